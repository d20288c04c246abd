// `vestibule generate compose|kratos|oathkeeper|helm`: files for a real Ory deployment, derived
// from the project's vestibule.yml. Printed to stdout, or written under --out (existing files are
// kept unless --force).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigFile, type EdgeConfig } from 'vestibule/config';
import { parseCommandLine, UsageError } from '../terminal/args.ts';
import type { CLIIO } from '../terminal/io.ts';
import { commandWithSubcommands, type Subcommand } from '../terminal/subcommands.ts';
import { composeFiles, header } from '../generate/compose.ts';
import { printGenerated, writeGenerated, type GeneratedFile } from '../generate/files.ts';
import { helmFiles } from '../generate/helm.ts';
import { IDENTITY_SCHEMA, KRATOS_ENV, kratosConfigFor } from '../generate/kratos.ts';
import { oathkeeperFiles } from '../generate/oathkeeper.ts';

const COMMON_FLAGS = `  --config <file>   the project's vestibule.yml (default ./vestibule.yml)
  --out <dir>       write the files there (default: print them)
  --force           overwrite files that exist under --out
  -h, --help        this help`;

const common = {
  config: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
} as const;

function loadEdge(config: string | undefined, io: CLIIO): EdgeConfig {
  const path = resolve(io.cwd, config ?? 'vestibule.yml');
  if (!existsSync(path)) {
    throw new UsageError(`generate: ${path} not found: pass --config <your vestibule.yml>`);
  }
  const loaded = loadConfigFile(path, { env: io.env });
  for (const w of loaded.warnings) io.stderr(`! ${w.key}: ${w.message} (${w.code})\n`);
  return loaded.config;
}

function emit(
  io: CLIIO,
  files: GeneratedFile[],
  flags: { out?: string | undefined; force?: boolean | undefined },
): number {
  if (!flags.out) {
    printGenerated(files, io.stdout);
    return 0;
  }
  const out = resolve(io.cwd, flags.out);
  const result = writeGenerated(files, out, { force: flags.force === true });
  if (result.kept.length > 0) {
    io.stderr(
      `✗ not written: ${result.kept.join(', ')} already exist under ${out} (pass --force to overwrite)\n`,
    );
    return 1;
  }
  for (const path of result.written) io.stdout(`✓ wrote ${resolve(out, path)}\n`);
  return 0;
}

function subcommand(spec: {
  name: string;
  summary: string;
  description: string;
  extraFlags?: string;
  examples: string[];
  options?: Record<string, { type: 'string' | 'boolean' }>;
  build(
    edge: EdgeConfig,
    values: Record<string, string | boolean | undefined>,
    io: CLIIO,
  ): GeneratedFile[];
}): Subcommand {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: `Usage: vestibule generate ${spec.name} [--config vestibule.yml] [--out dir]${spec.extraFlags ? ' [flags]' : ''}

${spec.description}

Flags:
${spec.extraFlags ?? ''}${COMMON_FLAGS}

Examples:
${spec.examples.map((e) => `  ${e}`).join('\n')}
`,
    async run(argv, io) {
      const { values } = parseCommandLine(
        `generate ${spec.name}`,
        argv,
        { ...common, ...spec.options },
        {
          min: 0,
          max: 0,
          names: '',
        },
      );
      const edge = loadEdge(values.config as string | undefined, io);
      const files = spec.build(edge, values as Record<string, string | boolean | undefined>, io);
      return emit(io, files, values as { out?: string; force?: boolean });
    },
  };
}

const hydraFlag = { hydra: { type: 'boolean' } } as const;

export const generateCommand = commandWithSubcommands({
  name: 'generate',
  summary: 'write docker-compose, kratos.yml, Oathkeeper rules or Helm values from vestibule.yml',
  intro:
    "Files for a real Ory deployment, derived from the project's vestibule.yml. Ory images are\npinned to a release; secrets are always environment variables, never file contents.",
  subcommands: [
    subcommand({
      name: 'compose',
      summary:
        'docker-compose.yml: PostgreSQL, Kratos (+ migrations), a dev mail catcher, the edge, the app',
      description:
        'Writes docker-compose.yml plus kratos/kratos.yml and kratos/identity.schema.json. The edge is\npublished on server.port; Kratos and the app are reachable only inside the network.',
      extraFlags: '  --hydra           add Hydra (and its migration job)\n',
      options: hydraFlag,
      examples: [
        'vestibule generate compose --out deploy',
        'vestibule generate compose --hydra --out deploy --force',
      ],
      build: (edge, values) => composeFiles(edge, { hydra: values.hydra === true }),
    }),
    subcommand({
      name: 'kratos',
      summary: 'a production kratos.yml and the identity schema for this edge',
      description: `Writes kratos/kratos.yml (every URL on the edge, HIBP on, revoke_active_sessions hooks) and
kratos/identity.schema.json. Set ${KRATOS_ENV.join(', ')} in Kratos's environment.`,
      examples: ['vestibule generate kratos', 'vestibule generate kratos --out deploy'],
      build: (edge) => [
        {
          path: 'kratos/kratos.yml',
          content:
            header(`kratos serve -c kratos.yml; env ${KRATOS_ENV.join(', ')}`) +
            stringify(
              kratosConfigFor(edge, {
                adminBaseURL: `${edge.kratos.admin_url ?? 'http://kratos:4434'}/`,
                schemaURL: 'file:///etc/config/kratos/identity.schema.json',
              }),
            ),
        },
        {
          path: 'kratos/identity.schema.json',
          content: JSON.stringify(IDENTITY_SCHEMA, null, 2) + '\n',
        },
      ],
    }),
    subcommand({
      name: 'oathkeeper',
      summary: "Oathkeeper access rules equivalent to the gateway's rules",
      description:
        'Writes oathkeeper/access-rules.yml (matching_strategy: regexp). Rules Oathkeeper cannot express\nas written (role rules, rules one request can both match) are reported on stderr.',
      examples: ['vestibule generate oathkeeper --out deploy'],
      build: (edge, _values, io) => {
        const { files, warnings } = oathkeeperFiles(edge);
        for (const w of warnings) io.stderr(`! ${w}\n`);
        return files;
      },
    }),
    subcommand({
      name: 'helm',
      summary: "values for Ory's Helm charts plus the edge's Deployment, Service and Ingress",
      description:
        "Writes helm/kratos-values.yml (and helm/hydra-values.yml with --hydra) for Ory's charts, and\nhelm/edge.yml: the edge's ConfigMap, Deployment, Service and Ingress.",
      extraFlags:
        "  --hydra           add values for the hydra chart\n  --image <ref>     the edge's image: your app's, with @vestibule/cli in /app (default vestibule-edge:latest)\n",
      options: { ...hydraFlag, image: { type: 'string' } },
      examples: [
        'vestibule generate helm --out deploy',
        'vestibule generate helm --image registry.example.com/app:1.4.0 --hydra',
      ],
      build: (edge, values) =>
        helmFiles(edge, {
          hydra: values.hydra === true,
          image: typeof values.image === 'string' ? values.image : 'vestibule-edge:latest',
        }),
    }),
  ],
  footer: `
Examples:
  vestibule generate compose --out deploy
  vestibule generate kratos --config vestibule.yml
`,
});
