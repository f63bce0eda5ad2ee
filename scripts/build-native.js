#!/usr/bin/env node
// Install step: builds the optional native socket helpers with npm's node-gyp.
// It never fails the install: without a compiler (or with TFGW_NO_NATIVE=1, the
// same switch that turns the helpers off at run time) the server runs without
// them (one process started per connection; KEEPALIVE sets idle only), and the
// client library never needs them.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function build() {
  if (process.env.TFGW_NO_NATIVE === '1') return 'TFGW_NO_NATIVE=1';
  if (!existsSync(path.join(root, 'binding.gyp'))) return 'no binding.gyp';
  const gyp = process.env.npm_config_node_gyp;
  const cmd = gyp ? [process.execPath, [gyp, 'rebuild']] : ['npx', ['--no-install', 'node-gyp', 'rebuild']];
  const run = spawnSync(cmd[0], cmd[1], { cwd: root, stdio: 'inherit' });
  if (run.error) return run.error.message;
  return run.status === 0 ? null : `node-gyp exited with ${run.status ?? run.signal}`;
}

try {
  const reason = build();
  if (reason) {
    process.stderr.write(`tfgw: native socket helpers not built (${reason}); the server will start a process per connection\n`);
  }
} catch (error) {
  process.stderr.write(`tfgw: native socket helpers not built (${error instanceof Error ? error.message : error})\n`);
}
process.exit(0);
