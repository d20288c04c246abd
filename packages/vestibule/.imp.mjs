// usage: node --expose-gc imp.mjs spec...
const base = process.memoryUsage().rss;
for (const s of process.argv.slice(2)) await import(s);
globalThis.gc?.(); await new Promise(r=>setTimeout(r,200)); globalThis.gc?.();
const m = process.memoryUsage();
console.log(process.argv.slice(2).join(' '), 'rss', (m.rss/1048576).toFixed(1), 'heapUsed', (m.heapUsed/1048576).toFixed(1), 'ext', (m.external/1048576).toFixed(1), 'base', (base/1048576).toFixed(1));
