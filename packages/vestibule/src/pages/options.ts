// Options of createSelfServicePages, validated once at construction (throwing a TypeError that names
// the option) into a frozen object the request path can trust.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createLogger, type Logger } from '../lib/logger.ts';
import type { FetchLike } from '../lib/outbound.ts';
import { DEFAULT_IN_CLUSTER_HOST } from '../proxy/options.ts';
import { normaliseTranslationKey } from './ui/texts.ts';
import type { Theme } from './ui/layout.ts';
import { CAPTCHA_PROVIDERS } from '../captcha/providers.ts';
import type { CaptchaProvider } from '../captcha/verifier.ts';
import { isLoopbackName } from '../lib/loopback.ts';

export interface SelfServicePagesOptions {
  /** Where the edge reaches Kratos's public API server-side (may be an in-cluster URL). */
  kratosPublicURL: string | URL;
  /** Kratos's configured `serve.public.base_url`(s); URLs on them are shown through the proxy too. */
  kratosBrowserURLs?: ReadonlyArray<string | URL>;
  /**
   * Host names (port ignored) Kratos may write into URLs that browsers cannot resolve; as the proxy's
   * option of the same name: a RegExp, an exact host name, or false. Default: the proxy's default.
   */
  inClusterHostPattern?: RegExp | string | false;
  /** Path of the same-origin proxy; forms post there. */
  proxyPrefix?: string;
  /** The browser-visible origin (`https://app.example.com`). Default: derived from each request. */
  publicOrigin?: string | URL;
  /** Believe client-sent X-Forwarded-Proto/-Host (only behind a proxy that overwrites them). */
  trustForwardedHeaders?: boolean;
  fetch?: FetchLike;
  timeoutMs?: number;
  /** Message id (`4000006` or `identities.messages.4000006`) or page text key (`vestibule.*`) → text. */
  translations?: Record<string, string>;
  theme?: {
    brandName?: string;
    logoURL?: string;
    accentColor?: string;
    /** CSS custom properties, e.g. `{ '--vb-radius': '0' }`. */
    variables?: Record<string, string>;
  };
  logger?: Logger;
  /** Mount point of the pages (`''` → `/login`, `/auth` → `/auth/login`). */
  basePath?: string;
  /** Where a user goes when there is nothing better (already signed in, no safe return_to). */
  defaultReturnTo?: string;
  /** Restarts (CSRF, expiry, unknown flow) allowed within `restartWindowMs` before /error is shown. */
  restartLimit?: number;
  restartWindowMs?: number;
  /** Key for the restart counter's HMAC; random per process when unset (fine for one instance). */
  secret?: string;
  lang?: string;
  /** Clock for the restart window (tests use a fake one). */
  now?: () => number;
  /**
   * Render the captcha widget (issue 12) on these forms when the edge verifies captchas; the CSP then
   * allows the provider's script and frame origins. Off when unset.
   */
  captcha?: {
    provider: CaptchaProvider;
    /** Public site key (the verifier's `siteKey`). */
    siteKey: string;
    /** `local` only: the local verifier's URL (http on a loopback host, or https). */
    localVerifierURL?: string | URL;
    /** Default: login, registration and recovery. */
    flows?: ReadonlyArray<'login' | 'registration' | 'recovery'>;
  };
}

export interface ResolvedPagesOptions {
  kratosPublicURL: string;
  kratosURLs: readonly string[];
  inClusterHost: ((hostname: string) => boolean) | undefined;
  proxyPrefix: string;
  publicOrigin: URL | undefined;
  trustForwardedHeaders: boolean;
  fetch: FetchLike | undefined;
  timeoutMs: number;
  translations: ReadonlyMap<string, string>;
  theme: Theme;
  logger: Logger;
  basePath: string;
  defaultReturnTo: string;
  restartLimit: number;
  restartWindowMs: number;
  secret: Buffer;
  lang: string;
  now: () => number;
  captcha: ResolvedCaptcha | undefined;
}

export interface ResolvedCaptcha {
  provider: CaptchaProvider;
  siteKey: string;
  localVerifierURL: string | undefined;
  flows: ReadonlySet<string>;
}

const httpURL = z
  .union([z.string(), z.instanceof(URL)])
  .transform((v) => String(v))
  .refine((v) => /^https?:\/\/[^/]/i.test(v) && URL.canParse(v), 'expected an absolute http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));

const pathPrefix = (allowEmpty: boolean) =>
  z
    .string()
    .regex(
      allowEmpty ? /^(\/[A-Za-z0-9._~-]+)*$/ : /^(\/[A-Za-z0-9._~-]+)+$/,
      'expected a path like /api/ory (no trailing slash)',
    );

const cssVariables = z.record(
  z.string().regex(/^--vb-[a-z0-9-]{1,40}$/, 'expected a custom property name like --vb-accent'),
  z
    .string()
    .regex(
      /^[#(),.%\sA-Za-z0-9-]{1,100}$/,
      'expected a plain CSS value (colour, length, font list)',
    ),
);

// Built per call and dropped with it, like the edge config's schemas: the pages are set up once in a
// long-lived process, which need not hold the schema and the parser zod compiles into it (issue 15).
const buildSchema = () =>
  z.strictObject({
    kratosPublicURL: httpURL,
    kratosBrowserURLs: z.array(httpURL).default([]),
    inClusterHostPattern: z
      .union([
        z.instanceof(RegExp).refine((r) => !r.global && !r.sticky, 'must not use the g or y flag'),
        z.string().regex(/^[a-z0-9.-]+$/i, 'expected a host name'),
        z.literal(false),
      ])
      .optional(),
    proxyPrefix: pathPrefix(false).default('/api/ory'),
    publicOrigin: httpURL.optional(),
    trustForwardedHeaders: z.boolean().default(false),
    fetch: z
      .custom<FetchLike>((v) => typeof v === 'function', 'expected a fetch function')
      .optional(),
    timeoutMs: z.number().int().positive().max(120_000).default(10_000),
    translations: z.record(z.string(), z.string().max(2000)).default({}),
    theme: z
      .strictObject({
        brandName: z.string().min(1).max(80).default('Vestibule'),
        logoURL: z
          .string()
          .refine(
            (v) => /^(\/[^/\\]|https:\/\/)/.test(v) && URL.canParse(v, 'http://x'),
            'expected a /path or https URL',
          )
          .optional(),
        accentColor: z
          .string()
          .regex(/^#[0-9a-fA-F]{3,8}$/, 'expected a hex colour like #4f46e5')
          .optional(),
        variables: cssVariables.default({}),
      })
      .prefault({}),
    logger: z
      .custom<Logger>(
        (v) => typeof v === 'object' && v !== null && typeof (v as Logger).warn === 'function',
        'expected a logger',
      )
      .optional(),
    basePath: pathPrefix(true).default(''),
    defaultReturnTo: z
      .string()
      .refine(
        (v) => /^\/(?![/\\])/.test(v) || /^https?:\/\/[^/]/i.test(v),
        'expected a /path or an absolute http(s) URL',
      )
      .default('/'),
    restartLimit: z.number().int().min(1).max(20).default(3),
    restartWindowMs: z.number().int().positive().default(60_000),
    secret: z.string().min(32, 'expected at least 32 characters').optional(),
    lang: z
      .string()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a language tag like en')
      .default('en'),
    now: z.custom<() => number>((v) => typeof v === 'function', 'expected a function').optional(),
    captcha: z
      .strictObject({
        provider: z.enum(CAPTCHA_PROVIDERS as [CaptchaProvider, ...CaptchaProvider[]]),
        siteKey: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,200}$/, 'expected a site key (letters, digits, _ . -)'),
        localVerifierURL: httpURL
          .refine(
            (v) => v.startsWith('https://') || isLoopbackName(new URL(v).hostname),
            'expected https, or http on a loopback host',
          )
          .optional(),
        flows: z
          .array(z.enum(['login', 'registration', 'recovery']))
          .default(['login', 'registration', 'recovery']),
      })
      .refine((c) => c.provider !== 'local' || c.localVerifierURL !== undefined, {
        message: 'localVerifierURL is required for the local provider',
        path: ['localVerifierURL'],
      })
      .optional(),
  });

export function resolvePagesOptions(options: SelfServicePagesOptions): ResolvedPagesOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createSelfServicePages: options must be an object');
  }
  const parsed = buildSchema().safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.length ? issue.path.join('.') : '(options)';
    throw new TypeError(`createSelfServicePages: options.${key}: ${issue.message}`);
  }
  const o = parsed.data;
  return Object.freeze({
    kratosPublicURL: o.kratosPublicURL,
    kratosURLs: Object.freeze([o.kratosPublicURL, ...o.kratosBrowserURLs]),
    inClusterHost: inClusterMatcher(o.inClusterHostPattern),
    proxyPrefix: o.proxyPrefix,
    publicOrigin: o.publicOrigin ? new URL(new URL(o.publicOrigin).origin) : undefined,
    trustForwardedHeaders: o.trustForwardedHeaders,
    fetch: o.fetch,
    timeoutMs: o.timeoutMs,
    translations: resolveTranslations(o.translations),
    theme: Object.freeze({
      brandName: o.theme.brandName,
      logoURL: o.theme.logoURL,
      variables: Object.freeze({
        ...(o.theme.accentColor ? { '--vb-accent': o.theme.accentColor } : {}),
        ...o.theme.variables,
      }),
    }),
    logger: o.logger ?? createLogger(),
    basePath: o.basePath,
    defaultReturnTo: o.defaultReturnTo,
    restartLimit: o.restartLimit,
    restartWindowMs: o.restartWindowMs,
    secret: o.secret ? Buffer.from(o.secret) : randomBytes(32),
    lang: o.lang,
    now: o.now ?? Date.now,
    captcha: o.captcha
      ? Object.freeze({
          provider: o.captcha.provider,
          siteKey: o.captcha.siteKey,
          localVerifierURL: o.captcha.localVerifierURL,
          flows: new Set<string>(o.captcha.flows),
        })
      : undefined,
  });
}

/** The proxy's semantics (src/proxy/options.ts), so both treat the same hosts as Kratos. */
function inClusterMatcher(
  pattern: RegExp | string | false | undefined,
): ((hostname: string) => boolean) | undefined {
  if (pattern === false) return undefined;
  if (typeof pattern === 'string') {
    const exact = pattern.toLowerCase();
    return (hostname) => hostname === exact;
  }
  const regex = pattern ?? DEFAULT_IN_CLUSTER_HOST;
  return (hostname) => regex.test(hostname);
}

function resolveTranslations(input: Record<string, string>): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const [key, text] of Object.entries(input)) {
    const normalised = normaliseTranslationKey(key);
    if (!normalised) {
      throw new TypeError(
        `createSelfServicePages: options.translations.${key}: expected a message id (e.g. 4000006) or a vestibule.* page text key`,
      );
    }
    map.set(normalised, text);
  }
  return map;
}
