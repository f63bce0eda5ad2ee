import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { watchSlowReceiver } from '../../src/session/slow-receiver';

describe('slow-receiver watch', () => {
  it('is off without a limit', () => {
    assert.equal(
      watchSlowReceiver(0, () => 0, () => assert.fail('off')),
      null,
    );
  });

  it('reports an inbox full for the limit or longer, and nothing while it is not full', async () => {
    let now = 10_000;
    let fullSince: number | null = null;
    const reports: number[] = [];
    const timer = watchSlowReceiver(
      5,
      () => fullSince,
      (ms) => reports.push(ms),
      () => now,
    )!;
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(reports, [], 'not full');
    fullSince = now - 4;
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(reports, [], 'full, but not for long enough');
    now += 1;
    await new Promise((r) => setTimeout(r, 30));
    clearInterval(timer);
    assert.ok(reports.length > 0 && reports.every((ms) => ms === 5), `reports: ${reports.join(',')}`);
  });
});
