#!/usr/bin/env node
import { runCli } from './run.js';
import { processIO } from './io.js';

runCli(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ecr-lifeguard: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
