// `vestibule doctor`: the troubleshooting page as software. Probes a running deployment and prints
// one line per check with the fix; exit 1 on any ✗.
import { resolve } from 'node:path';
import { parseFlags } from '../terminal/args.ts';
import type { CLIIO, Command } from '../terminal/io.ts';
import { withSlowProgress } from '../terminal/progress-delay.ts';
import { gatherFacts } from '../doctor/gather.ts';
import { ALL_CHECKS, printReport, runChecks } from '../doctor/report.ts';

const usage = `Usage: vestibule doctor [--config vestibule.yml] [--kratos-config kratos.yml] [--json]

Checks a deployment: Kratos reachable and private, its URLs on the edge, a registration flow
through the proxy (form action, CSRF cookie, no in-cluster host name), cookies, clock skew,
secrets, rules that never match or leave paths open, upstreams, SMTP, Hydra. One line per check:
✓ ok, ✗ failed, ! warning, each with the fix. Exit code 1 when any check fails.

Without --config it checks the demo stack that "vestibule up" runs, from <data dir>/stack.json.
Kratos's settings come from --kratos-config and from what the live Kratos shows. Hydra, when
hydra.public_url/admin_url are set, is probed live: health, version, discovery's issuer, and the
login and consent URLs learned from a real authorization request (a throwaway client and
subject; the consent is rejected, the sessions revoked, the client deleted); the logout URL comes
from --hydra-config. An OAuth2 server the edge reports as still
starting is waited for (up to 20 s), then reported as starting (!), not as down.

Flags:
  --config <file>         the edge's vestibule.yml (VESTIBULE_* overrides apply)
  --kratos-config <file>  Kratos's kratos.yml: cookie, secrets, SMTP and hooks checks need it
  --hydra-config <file>   Hydra's hydra.yml: its login/consent/logout URLs and issuer are checked
  --data-dir <dir>        the demo stack's data dir (env VESTIBULE_DATA_DIR, default .data)
  --offline               judge the files only, probe nothing
  --json                  one JSON object on stdout
  -h, --help              this help

Checks (${ALL_CHECKS.length}): ${ALL_CHECKS.map((c) => c.id).join(', ')}.

Examples:
  vestibule doctor
  vestibule doctor --config vestibule.yml --kratos-config kratos.yml
  vestibule doctor --config vestibule.yml --hydra-config hydra.yml
  vestibule doctor --config vestibule.yml --offline --json | jq '.checks[] | select(.status=="fail")'
`;

export const doctorCommand: Command = {
  name: 'doctor',
  summary:
    'check a deployment (Kratos, proxy, cookies, secrets, rules, Hydra) and say how to fix it',
  usage,
  async run(argv: string[], io: CLIIO): Promise<number> {
    const flags = parseFlags('doctor', argv, {
      config: { type: 'string' },
      'kratos-config': { type: 'string' },
      'hydra-config': { type: 'string' },
      'data-dir': { type: 'string' },
      offline: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const facts = await withSlowProgress(io, 'probing the deployment', () =>
      gatherFacts({
        config: flags.config,
        kratosConfig: flags['kratos-config'],
        hydraConfig: flags['hydra-config'],
        dataDir: resolve(io.cwd, flags['data-dir'] ?? io.env.VESTIBULE_DATA_DIR ?? '.data'),
        offline: flags.offline === true,
        env: io.env,
        cwd: io.cwd,
      }),
    );
    const outcomes = runChecks(facts);
    printReport(io, facts, outcomes, flags.json === true);
    return outcomes.some((o) => o.status === 'fail') ? 1 : 0;
  },
};
