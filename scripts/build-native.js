#!/usr/bin/env node
// Install step: builds the optional native socket helpers with npm's node-gyp.
// A failure is reported but does not fail the install: the server then runs
// without them (one process started per connection; KEEPALIVE sets idle only).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const gyp = process.env.npm_config_node_gyp;
const cmd = gyp ? [process.execPath, [gyp, 'rebuild']] : ['npx', ['--no-install', 'node-gyp', 'rebuild']];
const run = spawnSync(cmd[0], cmd[1], { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
if (run.status !== 0) {
  process.stderr.write('tfgw: native socket helpers not built; the server will start a process per connection\n');
}
