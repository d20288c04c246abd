// `vestibule serve` runs the edge alone in its process, so it may choose how V8 compiles WebAssembly.
// The edge's embedded store (PGlite) is PostgreSQL compiled to WebAssembly: V8 compiles each function
// with its baseline compiler (Liftoff) on first call, then recompiles the hot ones with its optimising
// compiler (TurboFan) on background threads. For PostgreSQL's large functions that second compilation
// left ~45 MB more RSS once the store was open (bench/edge-store-memory.bench.ts: TurboFan's working
// memory, kept by the allocator of the threads that compiled), to make the store's statements ~10 %
// faster — and the store runs about one statement per login (issue 12's ≤ 1 ms per login holds
// either way, `npm run bench -- login-protection`). `--liftoff-only` keeps the baseline code.
// It applies to every WebAssembly module in the process, undici's HTTP parser (the upstream hop)
// included: on the quiet machine, paired rounds of `npm run bench -- topology` put a `public`
// request at ~6 % more CPU with it. So V8's default stays (VESTIBULE_WASM_TIER_UP unset or 1), and
// VESTIBULE_WASM_TIER_UP=0 is the operator's choice of memory over CPU. An operator's own node flag
// about Liftoff or wasm tier-up wins.
import { setFlagsFromString } from 'node:v8';
import { UsageError } from '../terminal/args.ts';

const FLAG = '--liftoff-only';
const OPERATOR_FLAGS = /^--(no-)?(liftoff|wasm-tier-up|wasm-dynamic-tiering)/;

/** Whether `serve` should keep WebAssembly on V8's baseline compiler. */
export function baselineWasmOnly(
  env: Readonly<Record<string, string | undefined>>,
  execArgv: readonly string[] = [],
): boolean {
  if (execArgv.some((a) => OPERATOR_FLAGS.test(a))) return false;
  const value = env.VESTIBULE_WASM_TIER_UP;
  if (value === undefined || value === '' || value === '1') return false;
  if (value === '0') return true;
  throw new UsageError(`VESTIBULE_WASM_TIER_UP: expected 0 or 1, got "${value}"`);
}

/**
 * Applies it to this process. V8 reads the flag when it compiles a module, so this must run before
 * the first one (PGlite opens on first use; undici compiles its parser on its first connection).
 */
export function applyBaselineWasm(baselineOnly: boolean): void {
  if (baselineOnly) setFlagsFromString(FLAG);
}
