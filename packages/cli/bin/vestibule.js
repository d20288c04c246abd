#!/usr/bin/env node
// The installed `vestibule` command runs the built CLI (dist/). This file exists before any build,
// so npm links it when a checkout is installed (`npm ci` builds dist/ afterwards, in `prepare`).
import module from 'node:module';

// V8's code cache for the modules loaded after this line, kept on disk between runs (Node 22.1+;
// Node 20 has no such API and compiles every module at each start). NODE_DISABLE_COMPILE_CACHE=1
// turns it off.
module.enableCompileCache?.();

import('../dist/bin.js').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/bin.js')) {
    console.error('vestibule: the CLI is not built yet: run `npm run build` in the checkout');
    process.exit(1);
  }
  throw err;
});
