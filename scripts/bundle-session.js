#!/usr/bin/env node
/**
 * Bundles the session process (dist/src/session/main.js and everything
 * it loads, chokidar and proper-lockfile included) into one minified file next to
 * it. A session process is started per connection and mostly sits idle; loaded as
 * one script it keeps about 1.3 MB less private memory than when Node's module
 * loader reads some fifty files (the loader's caches, module wrappers and their
 * sources), and it starts faster. The listener uses the bundle only while it is
 * newer than the compiled sources (src/listener/spawn.ts). Names are
 * minified too (another 150 kB); the source map beside the bundle turns a crash's
 * stack trace back into source lines (TFGW_SESSION_NODE_FLAGS=--enable-source-maps).
 */
const path = require('node:path');
const esbuild = require('esbuild');

const dist = path.join(__dirname, '..', 'dist', 'src', 'session');

esbuild
  .build({
    entryPoints: [path.join(dist, 'main.js')],
    outfile: path.join(dist, 'main.bundle.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: 'external',
    // proper-lockfile's graceful-fs: plain fs in a session (see fs-for-bundle.js).
    alias: { 'graceful-fs': path.join(__dirname, 'fs-for-bundle.js') },
    logLevel: 'warning',
  })
  .catch(() => process.exit(1));
