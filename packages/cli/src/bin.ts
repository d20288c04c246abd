#!/usr/bin/env node
// The `vestibule` command. `npm start` runs `vestibule up`.
import { main } from './main.ts';
import { processIO } from './terminal/io.ts';

const code = await main(process.argv.slice(2), processIO());
process.exitCode = code;
// Everything has been closed by now; should a stray handle keep the loop alive, do not hang the
// terminal after "stopped" (unref'd: it never delays a normal exit).
setTimeout(() => process.exit(code), 3_000).unref();
