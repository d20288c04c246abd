// Start-up cost of an in-memory database for the embedded identity server: a fresh PGlite
// (initdb) + migrations, against openPersister('memory'), which starts from the migrated template
// (@vestibule/server-kit/pglite-template). Interleaved rounds in one process; prints medians and the ratio.
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { migrateToLatest } from '../packages/identity-server/src/persistence/migrations.ts';
import { openPersister } from '../packages/identity-server/src/persistence/index.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function coldStart(): Promise<void> {
  const db = await PGlite.create();
  const kysely = new Kysely<unknown>({ dialect: new PGliteDialect(db) });
  await migrateToLatest(kysely);
  await kysely.destroy();
}

async function templateStart(): Promise<void> {
  const persister = await openPersister('memory');
  await persister.ping();
  await persister.close();
}

await templateStart(); // build or load the template once, outside the measured rounds
const cold: number[] = [];
const template: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  cold.push(await time(coldStart));
  template.push(await time(templateStart));
}
const [c, t] = [median(cold), median(template)];
console.log(
  `PGlite initdb + migrations     median ${c.toFixed(0)} ms  (${cold.map((x) => x.toFixed(0)).join(', ')})`,
);
console.log(
  `openPersister('memory')        median ${t.toFixed(0)} ms  (${template.map((x) => x.toFixed(0)).join(', ')})`,
);
console.log(`ratio: template start is ${(c / t).toFixed(1)}x faster than a cold start`);
