// Confirmation before anything destructive: `--yes` skips it; with nobody at a terminal to answer
// (a script, a pipe) the command refuses with a usage error rather than guessing.
import { UsageError } from './args.ts';
import type { CLIIO } from './io.ts';

export class Cancelled extends Error {
  override name = 'Cancelled';
}

export async function confirmDestructive(
  io: CLIIO,
  question: string,
  options: { yes: boolean | undefined; command: string },
): Promise<void> {
  if (options.yes) return;
  if (!io.isTTY || !io.confirm) {
    throw new UsageError(
      `${options.command}: refusing to ask "${question}" without a terminal: pass --yes to confirm`,
    );
  }
  if (!(await io.confirm(question))) throw new Cancelled('cancelled: nothing was changed');
}
