#!/usr/bin/env node
// The installed `vestibule-oauth2-server` command runs the built server (dist/). This file exists before any build,
// so npm links it when a checkout is installed (`npm ci` builds dist/ afterwards, in `prepare`).
import('../dist/bin.js').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/bin.js')) {
    console.error('vestibule-oauth2-server: not built yet: run `npm run build` in the checkout');
    process.exit(1);
  }
  throw err;
});
