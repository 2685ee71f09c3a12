#!/usr/bin/env node
'use strict';
// The bin runs the compiled CLI; `npm ci` (prepare) and `npm start` (prestart) build it.
// `labbot start` runs the bot with the V8 flags of `npm start` (src/start/node-flags.ts): V8 reads them only at
// start-up, so node is run again with them, and this process only relays signals and the exit code.
const path = require('node:path');
const { spawn } = require('node:child_process');
const { respawnArgs } = require('../dist/start/node-flags.js');

const cli = path.join(__dirname, '..', 'dist', 'cli.js');
const args = respawnArgs(process.argv.slice(2), process.execArgv, cli);
if (args === undefined) {
  require(cli).main();
} else {
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    // A child ended by a signal is reported as the shell does: 128 + the signal's number.
    process.exit(code ?? 128 + (require('node:os').constants.signals[signal] ?? 0));
  });
}
