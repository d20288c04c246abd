// The stack's startup phases, timed where they run and printed as one line once the stack is up.
/**
 * Where the start went, one line: "• startup <s> after the process started (<s> CPU): modules <s>,
 * identity server <s> ‖ demo app <s> ‖ edge <s>, admin seed <s>" (‖: ran side by side; the seed
 * starts when the identity server is up).
 */
export function startupPhases() {
  const entered = performance.now();
  const took: Array<[string, number]> = [];
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  return {
    async time<T>(name: string, work: Promise<T>): Promise<T> {
      const started = performance.now();
      try {
        return await work;
      } finally {
        took.push([name, performance.now() - started]);
      }
    },
    summary(): string {
      const of = (name: string) => took.find(([n]) => n === name)?.[1];
      const together = (...names: string[]) =>
        names
          .filter((n) => of(n) !== undefined)
          .map((n) => `${n} ${seconds(of(n)!)}`)
          .join(' ‖ ');
      const parts = [
        `modules ${seconds(entered)}`,
        together('identity server', 'demo app', 'edge'),
        together('admin seed'),
      ].filter(Boolean);
      // CPU time too: on a busy machine the wall times say more about the neighbours than about us.
      const cpu = process.cpuUsage();
      return (
        `• startup ${seconds(performance.now())} after the process started ` +
        `(${seconds((cpu.user + cpu.system) / 1000)} CPU): ${parts.join(', ')}`
      );
    },
  };
}
