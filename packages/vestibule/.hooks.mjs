import { writeSync } from 'node:fs';
export async function resolve(spec, ctx, next) { if (!spec.startsWith('.') && !spec.startsWith('node:') && ctx.parentURL && !ctx.parentURL.includes('node_modules')) writeSync(2, 'DEP ' + spec + ' <- ' + ctx.parentURL.replace('file:///work/wt-memedge/','') + '\n'); return next(spec, ctx); }
export async function load(url, ctx, next) { if (url.startsWith('file:')) writeSync(2, 'LOAD ' + url + '\n'); return next(url, ctx); }
