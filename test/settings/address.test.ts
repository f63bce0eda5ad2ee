import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAddress, parseListenAddress } from '../../src/settings/address';

describe('listen addresses', () => {
  it('reads host:port, [v6]:port, :port and port', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:10346'), { host: '127.0.0.1', port: 10346 });
    assert.deepEqual(parseListenAddress('localhost:80'), { host: 'localhost', port: 80 });
    assert.deepEqual(parseListenAddress('[::1]:9000'), { host: '::1', port: 9000 });
    assert.deepEqual(parseListenAddress(':9000'), { host: '0.0.0.0', port: 9000 });
    assert.deepEqual(parseListenAddress('9000'), { host: '0.0.0.0', port: 9000 });
    assert.deepEqual(parseListenAddress('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
  });

  it('refuses what is not an address', () => {
    assert.throws(() => parseListenAddress('host'), /^Error: bad address "host" \(expected host:port\)$/);
    assert.throws(() => parseListenAddress('::1:9000'), /bad address/);
    assert.throws(() => parseListenAddress('host:port'), /bad address/);
    assert.throws(() => parseListenAddress(''), /bad address/);
    assert.throws(() => parseListenAddress('host:65536'), /^Error: bad port in "host:65536" \(expected 0\.\.65535\)$/);
  });

  it('writes IPv6 hosts in brackets', () => {
    assert.equal(formatAddress({ host: '127.0.0.1', port: 10346 }), '127.0.0.1:10346');
    assert.equal(formatAddress({ host: '::', port: 1 }), '[::]:1');
    assert.equal(formatAddress({ host: 'fe80::1%eth0', port: 2 }), '[fe80::1%eth0]:2');
  });

  it('reads back what it writes', () => {
    for (const text of ['10.0.0.1:1', '[::1]:65535', 'example.test:443']) {
      assert.equal(formatAddress(parseListenAddress(text)), text);
    }
  });
});
