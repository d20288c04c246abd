// Which counters have a row in a PGlite store, kept by the one process that writes it
// (in-process-attempts.ts). A row exists only for a key with a failure or a lock (a success on a
// clean key writes nothing), so most identifiers a login names have none: knowing that, their first
// touch needs no read — the read was most of an unlocked login's cost on a key not seen yet.
// Read once at start (and after an hourly prune); beyond `max` rows it is not kept and every first
// touch reads, as before. Never wrong in the loosening direction: an id is added before its row is
// written, and removed only when its row is gone with nothing being written for it.
import type { Kysely } from 'kysely';
import type { EdgeStoreDatabase } from '../store/index.ts';
import { counterId } from './counter-rows.ts';

const DEFAULT_MAX = 100_000;

export class StoredKeys {
  /** Ids with a row, or undefined: not known (too many, or the scan failed), every id may have one. */
  private ids: Set<string> | undefined;
  private scanning: Promise<void> | undefined;
  /** Ids added while a scan ran (its rows may predate them). */
  private addedDuringScan: string[] = [];

  constructor(
    private readonly db: Kysely<EdgeStoreDatabase>,
    private readonly max = DEFAULT_MAX,
  ) {}

  /** Reads the ids with a row; until it is done, `mayHold` waits for it. */
  scan(): void {
    this.ids = undefined;
    this.addedDuringScan = [];
    const scan: Promise<void> = this.db
      .selectFrom('vestibule_attempt_counters')
      .select(['scope', 'key'])
      .limit(this.max + 1)
      .execute()
      .then(
        (rows) => {
          if (this.scanning !== scan || rows.length > this.max) return;
          this.ids = new Set([
            ...rows.map((r) => counterId(r.scope, r.key)),
            ...this.addedDuringScan,
          ]);
        },
        () => undefined,
      )
      .finally(() => {
        if (this.scanning === scan) this.scanning = undefined;
      });
    this.scanning = scan;
  }

  /** Whether the store may hold a row for this id (false: it certainly holds none). */
  async mayHold(id: string): Promise<boolean> {
    if (this.scanning) await this.scanning;
    return this.ids ? this.ids.has(id) : true;
  }

  /** Called before a row for this id is written. */
  added(id: string): void {
    if (this.scanning) this.addedDuringScan.push(id);
    this.ids?.add(id);
    if (this.ids && this.ids.size > this.max) this.ids = undefined;
  }

  /** Called when this id's row is deleted and nothing is being written for it. */
  removed(id: string): void {
    this.ids?.delete(id);
  }
}
