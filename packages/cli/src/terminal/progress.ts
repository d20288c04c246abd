// Live progress lines for `vestibule up` / `serve`: "◌ starting …" then "✓ … ready at … (0.4s)".
// Plain lines (no cursor tricks) so they read the same in a terminal, a CI log and a test's pipe.
export interface Progress {
  /** Starts a step; the returned functions finish it. */
  step(label: string, verb?: string): { done(detail: string): void; fail(reason: string): void };
  line(text: string): void;
}

export function createProgress(write: (text: string) => void): Progress {
  return {
    step(label, verb = 'starting') {
      const started = performance.now();
      write(`◌ ${verb} ${label}…\n`);
      const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
      return {
        done: (detail) => write(`✓ ${label} ${detail} (${seconds()}s)\n`),
        fail: (reason) => write(`✗ ${label} failed: ${reason}\n`),
      };
    },
    line: (text) => write(text + '\n'),
  };
}
