// Secrets: the identity-header secret's length, secrets anyone can read (our docs' examples,
// Kratos's quickstart), one secret shared by several upstreams, and the revocation webhook's.
import { DOCUMENTED_EXAMPLE_SECRETS } from 'vestibule/config';
import { fail, isLoopbackHost, ok, skip, type Check, type DoctorFacts } from './facts.ts';

/** Kratos's quickstart and the embedded server's development values. */
export const KRATOS_QUICKSTART_SECRETS: ReadonlySet<string> = new Set([
  'PLEASE-CHANGE-ME-I-AM-VERY-INSECURE',
  '32-LONG-SECRET-NOT-SECURE-AT-ALL',
]);

const GENERATE = 'Generate one with `openssl rand -base64 32` and pass it through the environment.';

function edgeSecrets(facts: DoctorFacts): Array<[string, string]> {
  const { header, upstreams, revocation } = facts.secrets;
  return [
    ...(header ? [['gateway.header_secret', header] as [string, string]] : []),
    ...upstreams.map((u, i): [string, string] => [`gateway.upstream_secrets[${i}]`, u.secret]),
    ...(revocation?.secret
      ? [['gateway.revocation.secret', revocation.secret] as [string, string]]
      : []),
  ];
}

const headerSecret: Check = {
  id: 'secrets.header-length',
  title: 'identity-header secret',
  run(facts) {
    const short = edgeSecrets(facts).filter(([, value]) => value.length < 32);
    if (!facts.secrets.header) {
      return fail(
        'gateway.header_secret is not set: the app cannot verify who is signed in',
        GENERATE,
      );
    }
    if (short.length > 0) {
      return fail(
        `${short.map(([key, v]) => `${key} has ${v.length} characters`).join(', ')} (at least 32)`,
        GENERATE,
      );
    }
    return ok(`${facts.secrets.header.length} characters`);
  },
};

const exampleEdgeSecrets: Check = {
  id: 'secrets.edge-examples',
  title: 'no documented example secret',
  run(facts) {
    const examples = edgeSecrets(facts).filter(([, v]) => DOCUMENTED_EXAMPLE_SECRETS.has(v));
    if (examples.length > 0) {
      return fail(
        `${examples.map(([k]) => k).join(', ')} is the example from the docs: anyone can forge identity headers`,
        GENERATE,
      );
    }
    return ok('no secret from the docs');
  },
};

const exampleKratosSecrets: Check = {
  id: 'secrets.kratos-examples',
  title: "Kratos's secrets",
  run(facts) {
    const secrets = facts.kratos.secrets;
    if (!secrets) return skip('secrets unknown (pass --kratos-config kratos.yml)');
    const quickstart = [...secrets.cookie, ...secrets.cipher].filter((s) =>
      KRATOS_QUICKSTART_SECRETS.has(s),
    );
    if (quickstart.length === 0) return ok('no quickstart secret');
    const host = new URL(facts.edge.server.public_url).hostname;
    // The demo stack runs on them on loopback only (vestibule up generates its own beyond it).
    if (isLoopbackHost(host)) return ok(`quickstart secrets, acceptable while on ${host} only`);
    return fail(
      `secrets.cookie/cipher hold Kratos's quickstart values (${quickstart.join(', ')}): session cookies can be forged`,
      'Set secrets.cookie and secrets.cipher (32 characters) from the environment (SECRETS_COOKIE, SECRETS_CIPHER).',
    );
  },
};

const sharedUpstreamSecret: Check = {
  id: 'secrets.shared-between-upstreams',
  title: 'one secret per upstream',
  run(facts) {
    const { header, upstreams } = facts.secrets;
    const owners = new Map<string, string[]>();
    const add = (secret: string, who: string) =>
      owners.set(secret, [...(owners.get(secret) ?? []), who]);
    if (header) add(header, facts.edge.gateway.upstream_url ?? 'the main upstream');
    for (const u of upstreams) add(u.secret, u.upstream);
    const shared = [...owners.values()].filter((who) => who.length > 1);
    if (shared.length > 0) {
      return fail(
        `${shared.map((who) => who.join(' and ')).join('; ')} share a header secret: headers signed for one verify at the other`,
        'Give every upstream in gateway.upstream_secrets its own secret.',
      );
    }
    return ok(
      upstreams.length ? `${upstreams.length + 1} upstreams, distinct secrets` : 'one upstream',
    );
  },
};

const revocationSecret: Check = {
  id: 'secrets.revocation',
  title: 'revocation webhook secret',
  run(facts) {
    const revocation = facts.secrets.revocation;
    const path = facts.edge.gateway.revocation?.path ?? '/.vestibule/revoke';
    const hooked = facts.kratos.webHookURLs.some(
      (u) => URL.canParse(u) && new URL(u).pathname === path,
    );
    if (revocation && !revocation.secret) {
      return fail(
        'gateway.revocation is enabled without a secret: anyone could revoke sessions',
        'Set gateway.revocation.secret (VESTIBULE_REVOCATION_SECRET), 32+ random characters.',
      );
    }
    if (hooked && !revocation) {
      return fail(
        `Kratos calls ${path} but gateway.revocation is not configured: revocations are rejected`,
        'Add gateway.revocation with the secret the Kratos web_hook sends.',
      );
    }
    return ok(revocation ? 'set' : 'webhook not used');
  },
};

export const SECRET_CHECKS: readonly Check[] = [
  headerSecret,
  exampleEdgeSecrets,
  exampleKratosSecrets,
  sharedUpstreamSecret,
  revocationSecret,
];
