import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { SESSION_NODE_FLAGS, sessionEnvironment } from '../../src/listener/pool';

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
