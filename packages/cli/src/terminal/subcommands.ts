// Commands with subcommands (`vestibule users list`): one Command whose help lists the
// subcommands, and whose `help(argv)` gives a subcommand's own usage for `users list --help`.
import { UsageError } from './args.ts';
import type { CLIIO, Command } from './io.ts';

export interface Subcommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CLIIO): Promise<number>;
}

export function commandWithSubcommands(spec: {
  name: string;
  summary: string;
  intro: string;
  subcommands: readonly Subcommand[];
  footer?: string;
}): Command {
  const width = Math.max(...spec.subcommands.map((s) => s.name.length)) + 2;
  const usage = `Usage: vestibule ${spec.name} <subcommand> [flags]

${spec.intro}

Subcommands:
${spec.subcommands.map((s) => `  ${s.name.padEnd(width)}${s.summary}`).join('\n')}

Run "vestibule ${spec.name} <subcommand> --help" for a subcommand's flags and examples.
${spec.footer ?? ''}`;
  const find = (name: string | undefined) => spec.subcommands.find((s) => s.name === name);
  return {
    name: spec.name,
    summary: spec.summary,
    usage,
    help: (argv) => find(argv[0])?.usage ?? usage,
    async run(argv, io) {
      const [name, ...rest] = argv;
      if (name === undefined) throw new UsageError(`${spec.name}: expected a subcommand`);
      const sub = find(name);
      if (!sub) throw new UsageError(`${spec.name}: unknown subcommand "${name}"`);
      return sub.run(rest, io);
    },
  };
}
