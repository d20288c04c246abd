// The access rules `vestibule up` puts in front of the notes demo (a vestibule.yml with its own
// `gateway.rules` replaces them). First match wins; anything unlisted is denied.
import type { GatewayRuleConfig } from 'vestibule/config';

export const DEMO_RULES: GatewayRuleConfig[] = [
  { id: 'home', path: '/', methods: ['GET', 'HEAD'], mode: 'optional' },
  { id: 'favicon', path: '/favicon.ico', methods: ['GET', 'HEAD'], mode: 'public' },
  { id: 'whoami', path: '/api/whoami', methods: ['GET'], mode: 'optional' },
  { id: 'account', path: '/account', methods: ['GET', 'HEAD'], mode: 'required' },
  { id: 'notes-create', path: '/notes', methods: ['POST'], mode: 'required' },
  { id: 'notes-forms', path: '/notes/**', methods: ['POST'], mode: 'required' },
  { id: 'notes-api', regex: '^/api/notes(/[^/]+)?$', mode: 'required' },
  { id: 'admin', path: '/admin', methods: ['GET', 'HEAD'], mode: 'role', roles: ['admin'] },
];

/**
 * Reading the notes list also takes a Hydra access token carrying `notes.read` (the RP demo's),
 * besides the session; every other notes route stays session-only.
 */
export const NOTES_READ_BY_ACCESS_TOKEN: GatewayRuleConfig = {
  id: 'notes-api-read',
  path: '/api/notes',
  methods: ['GET'],
  mode: 'required',
  scopes: ['notes.read'],
};

/** The demo rules; with an OAuth2 server, the access-token rule goes before `notes-api`. */
export function demoRules(withOAuth2: boolean): GatewayRuleConfig[] {
  if (!withOAuth2) return DEMO_RULES;
  const at = DEMO_RULES.findIndex((rule) => rule.id === 'notes-api');
  return [...DEMO_RULES.slice(0, at), NOTES_READ_BY_ACCESS_TOKEN, ...DEMO_RULES.slice(at)];
}
