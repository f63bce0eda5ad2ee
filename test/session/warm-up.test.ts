import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { warmUp } from '../../src/session/warm-up';

describe('warm-up', () => {
  it('plays a whole conversation through the protocol core: every message relayed and delivered, then the leave', async () => {
    const report = await warmUp({ version: '0.0', hash: 'a-hash', messages: 40 });
    assert.equal(report.relayed, 40);
    assert.equal(report.delivered, 40);
    assert.ok(report.ms >= 0);
  });

  it('can play no message at all', async () => {
    const report = await warmUp({ version: '2.1', hash: 'x', messages: 0 });
    assert.equal(report.relayed, 0);
  });
});
