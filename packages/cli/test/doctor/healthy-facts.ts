// A deployment with nothing wrong, as doctor's facts: every check passes on it. Each failing-setup
// test changes one thing in a copy and expects exactly one check to fail.
import { loadConfigObject } from 'vestibule/config';
import type { DoctorFacts } from '../../src/doctor/facts.ts';

export const HEADER_SECRET = 'h7Qm2v9Lr4Xc8Zt1Wb6Ny3Ks5Pd0Fg2Jq';
export const UPSTREAM_SECRET = 'u8Rn3x6Vt1Zq4Wc9Lm2Hy7Jb5Kf0Pd3Gs';

export function healthyFacts(): DoctorFacts {
  const { config } = loadConfigObject(
    {
      server: { public_url: 'https://app.example.com' },
      kratos: { public_url: 'http://kratos-public:4433', admin_url: 'http://kratos-admin:4434' },
      hydra: { public_url: 'https://auth.example.com', admin_url: 'http://hydra-admin:4445' },
      gateway: {
        upstream_url: 'http://app:3000',
        header_secret: HEADER_SECRET,
        upstream_secrets: [{ upstream: 'http://reports:3001', header_secret: UPSTREAM_SECRET }],
        rules: [
          { id: 'login-page', path: '/login', mode: 'public' },
          { id: 'home', path: '/', methods: ['GET'], mode: 'optional' },
          { id: 'admin', path: '/admin/**', mode: 'role', roles: ['admin'] },
          { id: 'notes-post', path: '/notes/*', methods: ['POST'], mode: 'required' },
          { id: 'everything-else', path: '/**', mode: 'required' },
        ],
      },
    },
    { env: {} },
  );
  const app = 'https://app.example.com';
  return structuredClone({
    edge: config,
    edgeSource: 'vestibule.yml',
    secrets: {
      header: HEADER_SECRET,
      upstreams: [{ upstream: 'http://reports:3001', secret: UPSTREAM_SECRET }],
    },
    kratos: {
      source: 'kratos.yml',
      publicBaseURL: `${app}/api/ory/`,
      uiURLs: {
        login: `${app}/login`,
        registration: `${app}/registration`,
        recovery: `${app}/recovery`,
        verification: `${app}/verification`,
        settings: `${app}/settings`,
        error: `${app}/error`,
      },
      defaultReturnURL: `${app}/`,
      allowedReturnURLs: [`${app}/`, 'exp://localhost:8081/--/Callback'],
      verificationEnabled: true,
      sessionCookieName: 'ory_kratos_session',
      sameSite: 'Lax',
      secrets: { cookie: ['c'.repeat(32)], cipher: ['k'.repeat(32)] },
      smtpURI: 'smtps://mailer:secret@smtp.example.com:465',
      webHookURLs: [],
    },
    hydra: {
      login: `${app}/oauth2/login`,
      consent: `${app}/oauth2/consent`,
      logout: `${app}/oauth2/logout`,
      issuer: 'https://auth.example.com/',
    },
    live: {
      kratosPublic: { ok: true, status: 200, version: 'v1.3.1' },
      kratosAdmin: { ok: true, status: 200, version: 'v1.3.1' },
      adminExposedAt: [],
      edge: { ok: true, status: 200 },
      upstreams: [
        { url: 'http://app:3000', reachability: { ok: true, status: 200 } },
        { url: 'http://reports:3001', reachability: { ok: true, status: 404 } },
      ],
      registration: {
        status: 200,
        action: `${app}/api/ory/self-service/registration?flow=5f0c`,
        setCookies: [
          'csrf_token_82b=abc; Path=/; Max-Age=31536000; HttpOnly; Secure; SameSite=Lax',
        ],
        leaks: [],
        clockSkewMs: 120,
      },
      identityRoles: ['admin', 'editor'],
      smtp: { ok: true, address: 'smtp.example.com:465' },
      hydra: {
        publicURL: 'https://auth.example.com',
        adminURL: 'http://hydra-admin:4445',
        public: { ok: true, status: 200 },
        admin: { ok: true, status: 200, version: 'v2.3.0' },
        adminExposedAt: [],
        discovery: { issuer: 'https://auth.example.com/' },
        login: { location: `${app}/oauth2/login?login_challenge=8c1f` },
        consent: { location: `${app}/oauth2/consent?consent_challenge=4d2e` },
      },
    },
  } satisfies DoctorFacts);
}
