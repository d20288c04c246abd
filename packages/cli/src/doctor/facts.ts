// What `vestibule doctor` knows about a deployment: the edge's config, Kratos's settings (from
// kratos.yml and/or learned from the live Kratos), Hydra's when given, and the results of live
// probes. Gathering (gather.ts, probes.ts) is separate from judging (checks-*.ts): every check is a
// pure function of these facts, so a test builds a broken setup as data and sees one check fail.
import type { EdgeConfig } from 'vestibule/config';

export type FlowName =
  'login' | 'registration' | 'recovery' | 'verification' | 'settings' | 'error';

/** The parts of kratos.yml the checks read; unset = not known (no file, and no probe showed it). */
export interface KratosSettings {
  /** Where each setting came from: "kratos.yml", "the live Kratos", or both. */
  source: string;
  publicBaseURL?: string;
  uiURLs: Partial<Record<FlowName, string>>;
  defaultReturnURL?: string;
  allowedReturnURLs?: string[];
  verificationEnabled?: boolean;
  /** `session.cookie.name` (Kratos's default ory_kratos_session when the file leaves it out). */
  sessionCookieName?: string;
  /** `session.cookie.domain` or `cookies.domain`. */
  cookieDomain?: string;
  /** `session.cookie.same_site` or `cookies.same_site`. */
  sameSite?: string;
  secrets?: { cookie: string[]; cipher: string[] };
  /** `courier.smtp.connection_uri`; empty = the dev mailbox. */
  smtpURI?: string;
  /** URLs of every `web_hook` hook in the self-service flows. */
  webHookURLs: string[];
  /** `oauth2_provider.url`: Kratos answers Hydra's login challenge itself (Hydra's admin URL). */
  oauth2ProviderURL?: string;
}

/** Hydra's settings from --hydra-config (hydra.yml). */
export interface HydraSettings {
  login?: string;
  consent?: string;
  logout?: string;
  issuer?: string;
}

/** Hydra as the live probes found it (hydra.public_url / hydra.admin_url in vestibule.yml). */
export interface HydraLive {
  publicURL?: string;
  adminURL?: string;
  /** The demo stack's embedded OAuth2 server was still starting when doctor gave up waiting. */
  starting?: boolean;
  /** `/health/alive` then `/health/ready`. */
  public: Reachability;
  /** The same on the admin API, plus `/version`. */
  admin: Reachability;
  /** URLs on a public host where Hydra's admin API answered. */
  adminExposedAt: string[];
  /** `/.well-known/openid-configuration`'s issuer, or why it could not be read. */
  discovery?: { issuer?: string; error?: string };
  /**
   * Where Hydra sends a browser to log in, learned by starting an authorization request with a
   * short-lived client (hydra-redirects.ts); `cleanup` names any clean-up step that failed.
   */
  login?: { location?: string; error?: string; cleanup?: string };
  /** Where Hydra sends a browser to consent, learned by accepting that login for a throwaway subject
   * and following Hydra's redirect (the consent request is then rejected, the subject's sessions
   * revoked). Unset when the login probe did not get that far. */
  consent?: { location?: string; error?: string };
}

export interface Reachability {
  ok: boolean;
  status?: number;
  /** Transport error or unexpected answer, for the message. */
  error?: string;
  /** `/version` when the service has one. */
  version?: string;
}

/** A registration flow started through the edge's proxy, as a browser would. */
export interface FlowProbe {
  status: number;
  action?: string;
  /** `Set-Cookie` lines of the answer. */
  setCookies: string[];
  /** Internal host names found in the body or headers, with where. */
  leaks: string[];
  /** The flow's `issued_at` minus the local time at receipt (ms). */
  clockSkewMs?: number;
  error?: string;
}

export interface LiveFacts {
  kratosPublic: Reachability;
  kratosAdmin: Reachability;
  /** URLs on the public side (public host, proxy) where Kratos's admin API answered. */
  adminExposedAt: string[];
  edge: Reachability;
  upstreams: Array<{ url: string; reachability: Reachability }>;
  registration?: FlowProbe;
  /** Roles (metadata_public.role) of the identities; undefined when the admin API did not answer. */
  identityRoles?: string[];
  smtp?: Reachability & { address: string };
  /** Unset when Hydra is not configured. */
  hydra?: HydraLive;
}

export interface DoctorFacts {
  edge: EdgeConfig;
  /** Where the edge's config came from (for messages). */
  edgeSource: string;
  /** Secrets as written, before validation (a short one is a check's failure, not a load error). */
  secrets: {
    header?: string;
    upstreams: Array<{ upstream: string; secret: string }>;
    /** `gateway.revocation` present, and its secret as written. */
    revocation?: { secret?: string };
  };
  kratos: KratosSettings;
  hydra?: HydraSettings;
  /** Unset with --offline: live checks are skipped. */
  live?: LiveFacts;
}

export type CheckStatus = 'ok' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  status: CheckStatus;
  /** What was found, one line. */
  message: string;
  /** The fix, one sentence (for fail and warn). */
  fix?: string;
}

export interface Check {
  id: string;
  title: string;
  run(facts: DoctorFacts): CheckResult;
}

export const ok = (message: string): CheckResult => ({ status: 'ok', message });
export const fail = (message: string, fix: string): CheckResult => ({
  status: 'fail',
  message,
  fix,
});
export const warn = (message: string, fix: string): CheckResult => ({
  status: 'warn',
  message,
  fix,
});
export const skip = (message: string): CheckResult => ({ status: 'skip', message });

/** `scheme://host[:port]` of a URL; undefined when it does not parse. */
export function originOf(url: string | undefined): string | undefined {
  if (!url || !URL.canParse(url)) return undefined;
  return new URL(url).origin;
}

export function publicOrigin(facts: DoctorFacts): string {
  return new URL(facts.edge.server.public_url).origin;
}

export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127\./.test(hostname) ||
    hostname === '[::1]'
  );
}
