// Runs every check over the facts and prints one line each: ✓ ok, ✗ failed (with the fix), ! a
// warning (with the fix), · skipped (why). `--json` prints the same as one object for scripts.
import type { CLIIO } from '../terminal/io.ts';
import { createStyle } from '../terminal/style.ts';
import { HYDRA_CHECKS } from './checks-hydra.ts';
import { KRATOS_CHECKS } from './checks-kratos.ts';
import { PROXY_CHECKS } from './checks-proxy.ts';
import { RULE_CHECKS } from './checks-rules.ts';
import { SECRET_CHECKS } from './checks-secrets.ts';
import type { Check, CheckResult, DoctorFacts } from './facts.ts';

export const ALL_CHECKS: readonly Check[] = [
  ...KRATOS_CHECKS,
  ...PROXY_CHECKS,
  ...SECRET_CHECKS,
  ...RULE_CHECKS,
  ...HYDRA_CHECKS,
];

export type CheckOutcome = CheckResult & { id: string; title: string };

export function runChecks(
  facts: DoctorFacts,
  checks: readonly Check[] = ALL_CHECKS,
): CheckOutcome[] {
  return checks.map((check) => {
    try {
      return { id: check.id, title: check.title, ...check.run(facts) };
    } catch (err) {
      // A check that cannot judge its facts is itself a failure, never a silent pass.
      return {
        id: check.id,
        title: check.title,
        status: 'fail',
        message: `the check failed: ${(err as Error).message}`,
        fix: 'Report this with the output of --json.',
      };
    }
  });
}

export function printReport(
  io: CLIIO,
  facts: DoctorFacts,
  outcomes: CheckOutcome[],
  json: boolean,
): void {
  const count = (status: CheckResult['status']) =>
    outcomes.filter((o) => o.status === status).length;
  if (json) {
    io.stdout(
      JSON.stringify(
        {
          ok: count('fail') === 0,
          config: facts.edgeSource,
          kratos_settings: facts.kratos.source,
          checks: outcomes,
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const style = createStyle(io);
  const symbol = {
    ok: style.ok('✓'),
    fail: style.fail('✗'),
    warn: style.warn('!'),
    skip: style.dim('·'),
  };
  io.stdout(`vestibule doctor: ${facts.edgeSource}; Kratos settings from ${facts.kratos.source}\n`);
  for (const o of outcomes) {
    const fix = o.fix ? ` → ${o.fix}` : '';
    const text = `${o.title}: ${o.status === 'skip' ? `skipped, ${o.message}` : o.message}${fix}`;
    io.stdout(
      `${symbol[o.status]} ${o.status === 'skip' ? style.dim(text) : text}  ${style.dim(`[${o.id}]`)}\n`,
    );
  }
  io.stdout(
    `\n${count('ok')} ok, ${count('fail')} failed, ${count('warn')} warning(s), ${count('skip')} skipped\n`,
  );
}
