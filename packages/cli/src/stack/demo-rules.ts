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
