const N = 100_000;
const gc = (globalThis as any).gc as () => void;
const measure = (label: string, fill: () => unknown) => {
  gc(); gc();
  const before = process.memoryUsage().heapUsed;
  const keep = fill();
  gc(); gc();
  console.log(label.padEnd(40), ((process.memoryUsage().heapUsed - before) / N).toFixed(0), 'B');
  return keep;
};
const objs = Array.from({length:N}, () => ({a:1,b:2}));
let x: any;
x = measure('WeakMap entry -> shared value', () => { const wm = new WeakMap(); const v = {}; for (const o of objs) wm.set(o, v); return wm; }); x = null;
const S = Symbol('m');
x = measure('symbol prop -> shared value', () => { const v = {}; for (const o of objs) (o as any)[S] = v; return null; }); x = null;
x = measure('frozen user obj', () => objs.map((o) => Object.freeze({ id: 'x', email: null, role: 'user', traits: {}, session: o }))); x = null;
x = measure('wrapper {defaultRole,user}', () => objs.map((o) => ({ defaultRole: 'user', user: o }))); x = null;
x = measure('empty {}', () => objs.map(() => ({}))); x = null;
x = measure('HeapNumber-ish entry', () => objs.map((o, i) => ({ session: o, expiresAt: 1.7e12 + i }))); x = null;
