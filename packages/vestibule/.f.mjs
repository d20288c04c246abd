const mode = process.argv[2];
if (mode === 'global') { await fetch('http://127.0.0.1:9/').catch(() => {}); }
if (mode === 'npm') { const u = await import('undici'); await u.fetch('http://127.0.0.1:9/').catch(() => {}); }
if (mode === 'both') { const u = await import('undici'); await u.fetch('http://127.0.0.1:9/').catch(() => {}); await fetch('http://127.0.0.1:9/').catch(() => {}); }
if (mode === 'npmpool') { const u = await import('undici'); new u.Pool('http://127.0.0.1:9'); new Request('http://x/'); }
globalThis.gc(); await new Promise(r=>setTimeout(r,100)); globalThis.gc();
console.log(mode, (process.memoryUsage().rss/1048576).toFixed(1));
