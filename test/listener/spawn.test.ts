import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SESSION_NODE_FLAGS, extraNodeFlags, sessionEntry, sessionEnvironment } from '../../src/listener/spawn';
import { encodeSessionSettings, parseSessionArgv, readSessionSettings, sessionArgv } from '../../src/session/argv';
import { defaultSettings } from '../../src/settings/table';
import { sessionSettings } from '../../src/settings/session-settings';

describe('session process environment and flags', () => {
  it('leaves NODE_EXTRA_CA_CERTS out and keeps the rest', () => {
    const env = sessionEnvironment({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/bundle.crt', TFGW_LOG: 'x' }, 1234);
    assert.equal('NODE_EXTRA_CA_CERTS' in env, false);
    assert.equal(env.PATH, '/bin');
    assert.equal(env.TFGW_LOG, 'x');
    assert.equal(env.TFGW_LISTENER_PID, '1234');
  });

  it('gives one pool thread and one malloc arena unless the operator set them', () => {
    assert.equal(sessionEnvironment({}, 1).UV_THREADPOOL_SIZE, '1');
    assert.equal(sessionEnvironment({}, 1).MALLOC_ARENA_MAX, '1');
    const own = sessionEnvironment({ UV_THREADPOOL_SIZE: '4', MALLOC_ARENA_MAX: '2' }, 1);
    assert.equal(own.UV_THREADPOOL_SIZE, '4');
    assert.equal(own.MALLOC_ARENA_MAX, '2');
  });

  it('does not change the parent environment', () => {
    const parent = { NODE_EXTRA_CA_CERTS: '/x.crt' };
    sessionEnvironment(parent, 1);
    assert.equal(parent.NODE_EXTRA_CA_CERTS, '/x.crt');
  });

  it('caps the young generation at 1 MB semi-spaces and the old generation at 96 MB', () => {
    const script = [
      'const v8 = require("node:v8");',
      'let keep = [];',
      'for (let i = 0; i < 1e6; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 20000) keep = []; }',
      'const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;',
      'console.log(JSON.stringify({ young, limit: v8.getHeapStatistics().heap_size_limit }));',
    ].join('\n');
    const run = (flags: string[]) =>
      JSON.parse(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' })) as { young: number; limit: number };
    const session = run(SESSION_NODE_FLAGS);
    assert.ok(session.young <= 2 * 1024 * 1024, `young generation ${session.young} bytes`);
    assert.ok(session.limit < 200 * 1024 * 1024, `heap limit ${session.limit} bytes`);
    // The same allocation without the flags grows the young generation past that.
    assert.ok(run([]).young > 2 * 1024 * 1024);
  });
});

describe('session process entry', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-entry-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const plain = path.join(dir, 'main.js');
  const bundle = path.join(dir, 'main.bundle.js');

  it('is the compiled module when there is no bundle', () => {
    writeFileSync(plain, '');
    assert.equal(sessionEntry(dir), plain);
  });

  it('is the bundle when it is at least as new as the compiled module', () => {
    writeFileSync(bundle, '');
    utimesSync(plain, 1000, 1000);
    utimesSync(bundle, 2000, 2000);
    assert.equal(sessionEntry(dir), bundle);
  });

  it('is the compiled module again once that was rebuilt after the bundle (a stale bundle is never run)', () => {
    utimesSync(plain, 3000, 3000);
    assert.equal(sessionEntry(dir), plain);
  });

  it('is the bundle in a build made by npm run build', () => {
    assert.match(sessionEntry(), /session[/\\]main\.bundle\.js$/);
  });
});

describe('session process command line and settings hand-over', () => {
  const settings = sessionSettings(defaultSettings(), '/keys/server.key', 'secret-hash-value');

  it('reads back the mode and listening descriptors, and the command line holds no setting', () => {
    const argv = sessionArgv('accept', 2);
    assert.deepEqual(parseSessionArgv(['node', 'main.js', ...argv]), { mode: 'accept', listenCount: 2 });
    assert.equal(parseSessionArgv(['node', 'main.js', ...sessionArgv('socket', 1)]).mode, 'socket');
    assert.equal(argv.join(' ').includes('secret-hash-value'), false);
    assert.equal(argv.join(' ').includes('server.key'), false);
  });

  it('defaults to socket mode with no arguments', () => {
    assert.deepEqual(parseSessionArgv(['node', 'main.js']), { mode: 'socket', listenCount: 0 });
  });

  it('reads the settings the listener wrote from a descriptor to its end', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-settings-'));
    try {
      const file = path.join(dir, 'stdin');
      writeFileSync(file, encodeSessionSettings(settings));
      const fd = openSync(file, 'r');
      try {
        assert.deepEqual(readSessionSettings(fd), settings);
      } finally {
        closeSync(fd);
      }
      writeFileSync(file, '');
      const empty = openSync(file, 'r');
      try {
        assert.throws(() => readSessionSettings(empty), /no session settings on standard input/);
      } finally {
        closeSync(empty);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes extra Node flags from TFGW_SESSION_NODE_FLAGS', () => {
    assert.deepEqual(extraNodeFlags({ TFGW_SESSION_NODE_FLAGS: ' --cpu-prof  --enable-source-maps ' }), ['--cpu-prof', '--enable-source-maps']);
    assert.deepEqual(extraNodeFlags({}), []);
  });
});
