#!/usr/bin/env node
// Long randomized runs of the property tests (test/**/*.property.test.ts), for as long as a time
// budget allows. Each round runs the whole property suite with a fresh seed and many
// more runs per property than `npm test` does, and prints that seed first, so a
// failing round is reproduced with exactly the command it prints.
//
//   FUZZ_SECONDS  time budget (default 60); the round running at the deadline is stopped
//   FC_NUM_RUNS   runs per property in a round (default 20x, see test/helpers/property.ts)
//   FC_SEED       the seed of the first round (later rounds pick their own)
//
// Stops at the first failing round and exits 1; exits 0 when the budget is used up.
'use strict';
const { spawnSync } = require('node:child_process');
const { randomInt } = require('node:crypto');
const { readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const budgetMs = 1000 * Number(process.env.FUZZ_SECONDS || 60);
if (!(budgetMs > 0)) {
  process.stderr.write('FUZZ_SECONDS must be a positive number\n');
  process.exit(2);
}
const numRuns = process.env.FC_NUM_RUNS || '20x';

/** The compiled property tests: every `*.property.test.js` under dist/test, in name order. */
function propertyFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) out.push(...propertyFiles(file));
    else if (name.endsWith('.property.test.js')) out.push(path.relative(root, file));
  }
  return out;
}
const files = propertyFiles(path.join(root, 'dist', 'test'));
const deadline = Date.now() + budgetMs;

let round = 0;
let seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : randomInt(0x7fffffff);
while (Date.now() < deadline) {
  round += 1;
  const command = `FC_SEED=${seed} FC_NUM_RUNS=${numRuns} node --test ${files.join(' ')}`;
  process.stdout.write(`fuzz round ${round}: ${command}\n`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
    cwd: root,
    env: { ...process.env, FC_SEED: String(seed), FC_NUM_RUNS: numRuns },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: Math.max(1000, deadline - Date.now()),
    killSignal: 'SIGKILL',
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.error && run.error.code === 'ETIMEDOUT') {
    process.stdout.write(`fuzz round ${round}: stopped at the time budget after ${seconds} s\n`);
    break;
  }
  if (run.status !== 0) {
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    process.stdout.write(`\nfuzz round ${round} FAILED after ${seconds} s; reproduce with:\n  ${command}\n`);
    process.exit(1);
  }
  const todo = (/^ℹ todo (\d+)$/m.exec(run.stdout) || [])[1] || '0';
  process.stdout.write(`fuzz round ${round}: passed in ${seconds} s (${todo} known bugs still open as todo tests)\n`);
  seed = randomInt(0x7fffffff);
}
process.stdout.write(`fuzz: ${round} round(s), no failure\n`);
