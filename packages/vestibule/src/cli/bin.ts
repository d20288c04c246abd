#!/usr/bin/env -S node --import tsx
// The `vestibule` command. `npm start` runs `vestibule up`.
import { main } from './main.ts';
import { processIO } from './io.ts';

process.exitCode = await main(process.argv.slice(2), processIO());
