// Collects the facts `vestibule doctor` judges: the edge's config (--config, else the demo stack's
// <data dir>/stack.json), Kratos's settings (--kratos-config, the demo stack's, and what the live
// Kratos shows), Hydra's (--hydra-config, and the live Hydra at hydra.public_url/admin_url), and the
// live probes unless --offline.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYAML } from 'yaml';
import { applyEnvOverrides, loadConfigObject } from 'vestibule/config';
import { UsageError } from '../terminal/args.ts';
import { readStackFile, STACK_FILE } from '../stack/stack-file.ts';
import type { DoctorFacts, HydraSettings, KratosSettings } from './facts.ts';
import { learnKratosSettings, settingsFromKratosConfig } from './kratos-settings.ts';
import { probeHydra } from './hydra-probes.ts';
import { probeLive, type ProbeOptions } from './probes.ts';

export interface GatherOptions {
  config?: string | undefined;
  kratosConfig?: string | undefined;
  hydraConfig?: string | undefined;
  dataDir: string;
  offline: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  probe?: ProbeOptions;
}

type Obj = Record<string, unknown>;

function readYAMLFile(path: string, flag: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `doctor: ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    return parseYAML(text) as unknown;
  } catch (err) {
    throw new Error(`${path} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
}

const PLACEHOLDER = 'doctor-placeholder-secret-000000000000';

/**
 * The secrets as written, and a copy of the config in which a missing or short one is replaced by a
 * placeholder: the secret checks judge them, instead of the loader rejecting the whole file.
 */
function splitSecrets(raw: Obj): { secrets: DoctorFacts['secrets']; loadable: Obj } {
  const loadable = structuredClone(raw);
  const gateway = (loadable.gateway ?? {}) as Obj;
  const header = typeof gateway.header_secret === 'string' ? gateway.header_secret : undefined;
  if (header !== undefined && header.length < 32) gateway.header_secret = PLACEHOLDER;
  const upstreams = Array.isArray(gateway.upstream_secrets)
    ? (gateway.upstream_secrets as Obj[])
    : [];
  const upstreamSecrets = upstreams.map((u) => ({
    upstream: String(u.upstream),
    secret: String(u.header_secret ?? ''),
  }));
  for (const u of upstreams)
    if (String(u.header_secret ?? '').length < 32) u.header_secret = PLACEHOLDER;
  const revocation = gateway.revocation as Obj | undefined;
  const revocationSecret = typeof revocation?.secret === 'string' ? revocation.secret : undefined;
  if (revocation && (!revocationSecret || revocationSecret.length < 32))
    revocation.secret = PLACEHOLDER;
  return {
    secrets: {
      ...(header !== undefined ? { header } : {}),
      upstreams: upstreamSecrets,
      ...(revocation ? { revocation: revocationSecret ? { secret: revocationSecret } : {} } : {}),
    },
    loadable,
  };
}

function hydraSettings(config: unknown): HydraSettings {
  const urls = ((config as Obj | undefined)?.urls ?? {}) as Obj;
  const pick = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const out: HydraSettings = {};
  const values = {
    login: pick(urls.login),
    consent: pick(urls.consent),
    logout: pick(urls.logout),
    issuer: pick((urls.self as Obj | undefined)?.issuer),
  };
  for (const [key, value] of Object.entries(values))
    if (value) out[key as keyof HydraSettings] = value;
  return out;
}

export async function gatherFacts(o: GatherOptions): Promise<DoctorFacts> {
  let edgeRaw: Obj;
  let edgeSource: string;
  let kratosSettings: KratosSettings = { source: 'unknown', uiURLs: {}, webHookURLs: [] };
  if (o.config) {
    const path = resolve(o.cwd, o.config);
    edgeRaw = applyEnvOverrides((readYAMLFile(path, '--config') ?? {}) as Obj, o.env).raw;
    edgeSource = o.config;
  } else {
    const stack = readStackFile(o.dataDir);
    if (!stack) {
      throw new UsageError(
        `doctor: no --config given and no ${resolve(o.dataDir, STACK_FILE)} (written by vestibule up): pass --config vestibule.yml`,
      );
    }
    edgeRaw = stack.edge;
    edgeSource = `the demo stack (${o.dataDir})`;
    if (stack.kratos) kratosSettings = settingsFromKratosConfig(stack.kratos, 'the demo stack');
  }
  if (o.kratosConfig) {
    const path = resolve(o.cwd, o.kratosConfig);
    kratosSettings = settingsFromKratosConfig(
      readYAMLFile(path, '--kratos-config'),
      o.kratosConfig,
    );
  }
  const { secrets, loadable } = splitSecrets(edgeRaw);
  const { config } = loadConfigObject(loadable, { env: {} });
  const hydra = o.hydraConfig
    ? hydraSettings(readYAMLFile(resolve(o.cwd, o.hydraConfig), '--hydra-config'))
    : undefined;
  const facts: DoctorFacts = {
    edge: config,
    edgeSource,
    secrets,
    kratos: kratosSettings,
    ...(hydra ? { hydra } : {}),
  };
  if (o.offline) return facts;
  // What the running Kratos shows beats a file that may be stale; its own base_url host is one a
  // browser must never see through the edge.
  const learned = config.kratos.public_url
    ? await learnKratosSettings(config.kratos.public_url, o.probe?.timeoutMs)
    : { uiURLs: {} };
  const internalURLs = [learned.publicBaseURL, kratosSettings.publicBaseURL].filter(
    (u): u is string => !!u && !u.startsWith(`${config.server.public_url}/`),
  );
  const timeoutMs = o.probe?.timeoutMs ?? 3_000;
  const [live, hydraLive] = await Promise.all([
    probeLive(config, kratosSettings.smtpURI || undefined, { ...o.probe, internalURLs }),
    probeHydra(config, {
      timeoutMs,
      startWaitMs: o.probe?.hydraStartWaitMs ?? 20_000,
      ...(o.probe?.sleep ? { sleep: o.probe.sleep } : {}),
    }),
  ]);
  facts.live = { ...live, ...(hydraLive ? { hydra: hydraLive } : {}) };
  if (facts.live.kratosPublic.ok) {
    facts.kratos = {
      ...kratosSettings,
      source:
        kratosSettings.source === 'unknown'
          ? 'the live Kratos'
          : `${kratosSettings.source} and the live Kratos`,
      uiURLs: { ...kratosSettings.uiURLs, ...learned.uiURLs },
      ...(learned.publicBaseURL ? { publicBaseURL: learned.publicBaseURL } : {}),
    };
  }
  return facts;
}
