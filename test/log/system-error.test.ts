import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errnoText, systemError, systemErrorText } from '../../src/log/system-error';

describe('system errors', () => {
  it('names an errno number, negative (native helpers) or not', () => {
    assert.equal(errnoText(-98), 'EADDRINUSE (address already in use)');
    assert.equal(errnoText(13), 'EACCES (permission denied)');
    assert.equal(errnoText(-30), 'EROFS (read-only file system)');
    assert.equal(errnoText(-99999), 'errno 99999');
  });

  it('names a Node system error by its errno, with the target', () => {
    const err = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:1'), { code: 'EADDRINUSE', errno: -98 });
    assert.equal(systemErrorText(err), 'EADDRINUSE (address already in use)');
    assert.equal(systemError('cannot listen on', '127.0.0.1:1', err).message, 'cannot listen on 127.0.0.1:1: EADDRINUSE (address already in use)');
    assert.equal(systemErrorText(new Error('plain')), 'plain');
  });
});
