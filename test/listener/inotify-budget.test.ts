/** The start-up check of the inotify limits (src/listener/inotify-budget.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INOTIFY_MARGIN, inotifyShortfall } from '../../src/listener/inotify-budget';

describe('inotify budget', () => {
  it('says nothing when maxPeers fits', () => {
    assert.equal(inotifyShortfall(100, { instances: 128, watches: 100000, namespaceInstances: null }), null);
  });
  it('names the sysctl to raise when maxPeers exceeds the instances', () => {
    const s = inotifyShortfall(1024, { instances: 128, watches: 100000, namespaceInstances: 2147483647 });
    assert.equal(s?.raise, `sysctl fs.inotify.max_user_instances=${1024 + 1 + INOTIFY_MARGIN}`);
    assert.equal(s?.limit, 128);
  });
  it('a user namespace cap counts too', () => {
    const s = inotifyShortfall(200, { instances: 8192, watches: 100000, namespaceInstances: 64 });
    assert.equal(s?.limit, 64);
  });
  it('unreadable limits (not Linux) say nothing', () => {
    assert.equal(inotifyShortfall(1024, { instances: null, watches: null, namespaceInstances: null }), null);
  });
});
