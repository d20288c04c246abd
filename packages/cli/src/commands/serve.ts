// `vestibule serve --config FILE`: the edge alone, in front of a real Kratos and your app.
// The config is validated before anything listens; a bad key is named and the exit code is 1.
import { resolve } from 'node:path';
import type { EdgeConfig } from 'vestibule/config';
import type * as EdgeModule from 'vestibule/edge';
import { notifierFromConfig } from '../notify/from-config.ts';
import { parseFlags, portOption, UsageError } from '../terminal/args.ts';
import type { CLIIO, Command } from '../terminal/io.ts';
import { createProgress } from '../terminal/progress.ts';
import { applyHeapGrowth, heapGrowingPercent } from './serve-heap.ts';
import { applyBaselineWasm, baselineWasmOnly } from './serve-wasm.ts';
import { capSemiSpaces, semiSpaceCapMB } from './serve-young-generation.ts';

const usage = `Usage: vestibule serve --config <file> [flags]

Starts the edge alone: the same-origin Kratos proxy under proxy.prefix, the self-service pages,
and the gateway in front of gateway.upstream_url. See packages/vestibule/examples/vestibule.yml.

Flags:
  --config <file>   the vestibule.yml to use (env VESTIBULE_CONFIG)
  --port <n>        overrides server.port (0 = any free port)
  --host <addr>     overrides server.host
  --check           validate the config and the access rules it names (gateway.rules and
                    gateway.oathkeeper_rules_file, translated as the edge would), print the
                    warnings and exit
  -h, --help        this help

Environment overrides: VESTIBULE_KRATOS_PUBLIC_URL, VESTIBULE_KRATOS_BROWSER_URL,
VESTIBULE_KRATOS_ADMIN_URL, VESTIBULE_UPSTREAM_URL, VESTIBULE_HEADER_SECRET, VESTIBULE_PUBLIC_URL,
VESTIBULE_COOKIE_DOMAIN, VESTIBULE_HOST, VESTIBULE_PORT, VESTIBULE_LOG_LEVEL.
VESTIBULE_LOG_LEVEL (default info) is where the log level starts: SIGUSR2 then steps it
debug → info → warn → error → debug while the edge runs, and logs each change (not on Windows).
VESTIBULE_HEAP_GROWING_PERCENT (default 10): how far V8 lets the heap grow past what survived the
last full collection (0: V8's own default); a --heap-growing-percent node flag wins.
VESTIBULE_WASM_TIER_UP (default 1: V8 recompiles hot WebAssembly with its optimising compiler): 0
keeps its baseline compiler only, ~45 MB less memory once the embedded store is open, ~6 % more CPU
per proxied request (undici's parser is WebAssembly too); a node flag about Liftoff or tier-up wins.
VESTIBULE_SEMI_SPACE_MB (default 4): the most each of V8's two semi-spaces (the young generation)
grows to, ~35 MB less after a burst than V8's 16; 0 leaves V8's own growth; a node semi-space flag wins.

Examples:
  vestibule serve --config vestibule.yml
  vestibule serve --config vestibule.yml --check
  VESTIBULE_HEADER_SECRET=$(openssl rand -base64 32) vestibule serve --config vestibule.yml --port 8080
`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the edge alone from a vestibule.yml (real Kratos, your app)',
  usage,
  async run(argv: string[], io: CLIIO): Promise<number> {
    const flags = parseFlags('serve', argv, {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      check: { type: 'boolean' },
    });
    const file = flags.config ?? io.env.VESTIBULE_CONFIG;
    if (!file) throw new UsageError('serve: --config <file> is required');
    const heapGrowth = heapGrowingPercent(io.env, process.execArgv);
    const semiSpaceCap = semiSpaceCapMB(io.env, process.execArgv);
    const baselineWasm = baselineWasmOnly(io.env, process.execArgv);
    // Only where the edge is the process (not a test or an embedder calling main()), and before the
    // edge's modules load: compiling them is the first burst that would grow the young generation.
    if (io.processStderr && !flags.check) {
      applyHeapGrowth(heapGrowth);
      capSemiSpaces(semiSpaceCap);
      applyBaselineWasm(baselineWasm);
    }
    const { assertServable, loadConfigFile, loadConfigObject } = await import('vestibule/config');
    const edge = await import('vestibule/edge');
    const { createLogger, flushLogs, launchEdge } = edge;
    const loaded = loadConfigFile(resolve(io.cwd, file), { env: io.env });
    for (const w of loaded.warnings) io.stderr(`! ${w.key}: ${w.message} (${w.code})\n`);
    const server = {
      ...(loaded.raw.server as Record<string, unknown> | undefined),
      ...(flags.port !== undefined ? { port: portOption('--port', flags.port, 4000) } : {}),
      ...(flags.host !== undefined ? { host: flags.host } : {}),
    };
    // A flag beats the environment, which beats the file.
    const env = {
      ...io.env,
      ...(flags.port !== undefined ? { VESTIBULE_PORT: undefined } : {}),
      ...(flags.host !== undefined ? { VESTIBULE_HOST: undefined } : {}),
    };
    const { config } = loadConfigObject({ ...loaded.raw, server }, { env });
    assertServable(config);
    const progress = createProgress(io.stdout);
    if (flags.check) {
      const ruleWarnings = await checkEdgeParts(edge, config);
      for (const w of ruleWarnings) io.stderr(`! ${w}\n`);
      const count = loaded.warnings.length + ruleWarnings.length;
      progress.line(`✓ ${file} is valid (${count} warning(s))`);
      return 0;
    }
    const logger = createLogger(io.processStderr ? {} : { write: (l) => io.stderr(l + '\n') });
    // kill -USR2 <pid>: the next log level, without a restart (only where the edge is the process).
    // Imported here, like vestibule/edge which it uses: after the heap settings above.
    const { cycleLogLevelOnSignal } = await import('./serve-log-level.ts');
    const stopLevelSwitch = io.processStderr ? cycleLogLevelOnSignal(logger) : () => {};
    const step = progress.step('edge');
    // Listen for Ctrl-C before starting: a signal during startup then stops cleanly once the parts
    // are up, instead of killing the process halfway through opening a database.
    const stopRequested = io.untilStopped();
    // protection.notifications.smtp: security notices mailed over SMTP.
    const notifier = await notifierFromConfig(config);
    const running = await launchEdge(config, {
      host: config.server.host,
      port: config.server.port,
      shutdownTimeoutMs: config.server.shutdown_timeout,
      logger,
      ...(notifier ? { securityNotifier: notifier } : {}),
    }).catch((err: Error) => {
      notifier?.close();
      step.fail(err.message);
      throw err;
    });
    step.done(
      `ready at ${running.url} (public ${config.server.public_url}) → upstream ${config.gateway.upstream_url}`,
    );
    const signal = await stopRequested;
    progress.line(`• ${signal} received`);
    const stopping = progress.step('edge', 'stopping');
    await running.close();
    notifier?.close();
    stopLevelSwitch();
    flushLogs();
    stopping.done('stopped');
    return 0;
  },
};

/**
 * Builds the edge's parts exactly as `serve` would, without listening, so whatever the edge refuses
 * at startup (an Oathkeeper rules file it cannot read or translate, a reserved header name) fails the
 * check too. Returns the warnings the build logged (e.g. Oathkeeper rules skipped for another host).
 */
async function checkEdgeParts(
  { buildEdgeParts, createLogger }: typeof EdgeModule,
  config: Readonly<EdgeConfig>,
): Promise<string[]> {
  const warnings: string[] = [];
  const logger = createLogger({
    level: 'warn',
    write: (line) => {
      const entry = JSON.parse(line) as { msg?: string; warning?: string };
      warnings.push(entry.warning ?? entry.msg ?? line);
    },
  });
  // The check has no side effects: the store is opened in memory, so no PGlite directory is created
  // or migrated (a running edge holds it: PGlite is single-process) and no database is contacted.
  const parts = await buildEdgeParts({ ...config, store: { url: 'memory' } }, { logger });
  await parts.close?.();
  return warnings;
}
