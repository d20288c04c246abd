// Per-request cost of getUser() by identity source: the edge's signed headers (HMAC) against
// Oathkeeper's id_token (RS256 and ES256 signature checks against a cached JWKS), with every call
// verifying the signature and with the verified-token cache (Oathkeeper reuses a token for most of
// its TTL, so most requests carry one already seen). Requests are built
// before the clock starts; each getUser() gets a fresh request (the library memoises per request).
// Prints the median µs per call over interleaved rounds, and the ratio to header mode.
import { randomUUID } from 'node:crypto';
import { createVestibule } from '../packages/vestibule/src/app/vestibule.ts';
import {
  encodeIdentity,
  signIdentityHeaders,
} from '../packages/vestibule/src/identity-headers/index.ts';
import { startOathkeeperJWKS, kratosSessionClaim } from '../test/support/oathkeeper-jwks.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const SECRET = 'bench-secret-0123456789abcdef0123456789';
const id = randomUUID();

const jwks = await startOathkeeperJWKS();
const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const header = createVestibule({
  mode: 'header',
  headerSecret: SECRET,
  replayProtection: false,
  logger: silent,
});
const oathkeeper = createVestibule({
  mode: 'oathkeeper',
  oathkeeper: { jwksURL: jwks.url, issuer: jwks.issuer, audience: 'notes' },
  logger: silent,
});
// Every call checks the signature (what an app pays when each request carries a new token).
const uncached = createVestibule({
  mode: 'oathkeeper',
  oathkeeper: { jwksURL: jwks.url, issuer: jwks.issuer, audience: 'notes', verifiedCacheBytes: 0 },
  logger: silent,
});
const claims = {
  aud: ['notes'],
  session: kratosSessionClaim({ id, email: 'b@example.com', role: 'user' }),
};
const tokens = {
  RS256: await jwks.mint({ sub: id, claims }),
  ES256: await jwks.mint({ sub: id, alg: 'ES256', claims }),
};

type Subject = { name: string; run: () => Promise<number> };
function subject(name: string, app: typeof header, build: () => Request): Subject {
  return {
    name,
    /** Builds the requests, then times only the getUser() calls; returns µs per call. */
    async run() {
      const requests = Array.from({ length: CALLS }, build);
      const started = performance.now();
      for (const request of requests) {
        if (!(await app.getUser(request))) throw new Error(`${name}: no user`);
      }
      return ((performance.now() - started) * 1000) / CALLS;
    },
  };
}
const subjects = [
  subject(
    'header (HMAC, edge)',
    header,
    () =>
      new Request('http://app/account', {
        headers: signIdentityHeaders(
          SECRET,
          { method: 'GET', path: '/account' },
          encodeIdentity({ id, email: 'b@example.com', role: 'user' }),
        ),
      }),
  ),
  ...(['RS256', 'ES256'] as const).map((alg) =>
    subject(
      `oathkeeper ${alg} verify each`,
      uncached,
      () =>
        new Request('http://app/account', { headers: { authorization: `Bearer ${tokens[alg]}` } }),
    ),
  ),
  ...(['RS256', 'ES256'] as const).map((alg) =>
    subject(
      `oathkeeper ${alg} remembered`,
      oathkeeper,
      () =>
        new Request('http://app/account', { headers: { authorization: `Bearer ${tokens[alg]}` } }),
    ),
  ),
];

for (const s of subjects) await s.run(); // warm-up: JIT, and the JWKS fetched once
const times = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const s of subjects) {
    times.get(s.name)!.push(await s.run());
  }
}
const base = median(times.get(subjects[0]!.name)!);
for (const [name, xs] of times) {
  const m = median(xs);
  console.log(
    `${name.padEnd(28)} median ${m.toFixed(1).padStart(6)} µs/getUser  (${(m / base).toFixed(1)}x header)`,
  );
}
console.log(`JWKS fetches: ${jwks.fetches} (cached)`);
await jwks.close();
