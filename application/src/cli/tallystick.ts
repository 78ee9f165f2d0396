#!/usr/bin/env node
import { runCli } from './tallystickCli';

runCli(process.argv.slice(2), {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  err: (text) => process.stderr.write(text),
  isTty: process.stderr.isTTY,
  env: process.env,
  stdin: process.stdin,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // runCli reports every failure itself; this is a defect of the command line
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
