import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { SESSION_NODE_FLAGS, sessionEnvironment } from '../../src/server/session-processes';

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

  // The code cache Node ships for its own modules is used only when V8's flag
  // hash (part of this tag) is the one it was built with.
  it("keeps the V8 flags that decide whether Node's code cache is accepted", () => {
    const tag = (flags: string[]) =>
      execFileSync(process.execPath, [...flags, '-p', 'require("node:v8").cachedDataVersionTag()'], { encoding: 'utf8' }).trim();
    assert.equal(tag(SESSION_NODE_FLAGS), tag([]));
    // The check itself can fail: a heap-sizing flag changes the tag.
    assert.notEqual(tag(['--max-old-space-size=96']), tag([]));
  });
});
