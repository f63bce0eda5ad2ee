import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Listener } from '../../src/listener/listener';
import { LIVE_SETTINGS, type ServerConfig, defaultSettings } from '../../src/settings/table';
import { quietLogger, tempSpool } from './fakes';

/** A listener that is never started: no sockets, no processes. */
function idleListener(root: string) {
  const config: ServerConfig = { ...defaultSettings(), spool: root, processModel: 'spawn', logLevel: 'info' };
  const log = quietLogger();
  return { listener: new Listener({ config, privateKeyFile: '/keys/server.key', hash: 'sha256', log }), config, log };
}

describe('Listener (not started)', () => {
  let root: string;
  let remove: () => void;
  beforeEach(() => {
    const temp = tempSpool();
    root = temp.spool.layout.root;
    remove = temp.remove;
  });
  afterEach(() => remove());

  it('reload applies live settings and lists the others as needing a restart', () => {
    const { listener, config, log } = idleListener(root);
    const maxPeers = config.maxPeers + 1;
    const next: ServerConfig = { ...config, maxPeers, logLevel: 'debug', listen: ['127.0.0.1:9999'], spool: `${root}-other` };
    const { applied, needsRestart } = listener.reload(next);
    assert.deepEqual(applied.sort(), [`logLevel="debug"`, `maxPeers=${maxPeers}`]);
    assert.deepEqual(needsRestart.sort(), ['listen', 'spool']);
    assert.equal(config.maxPeers, maxPeers, 'the live setting is taken');
    assert.equal(log.level, 'debug', 'the log level follows at once');
    assert.deepEqual(config.listen, defaultSettings().listen, 'a restart-only setting is not');
    assert.equal(config.spool, root);
  });

  it('reload of the same settings changes nothing', () => {
    const { listener, config } = idleListener(root);
    assert.deepEqual(listener.reload({ ...config }), { applied: [], needsRestart: [] });
  });

  it('every live setting is a setting', () => {
    const keys = Object.keys(defaultSettings());
    for (const key of LIVE_SETTINGS) assert.ok(keys.includes(key), key);
  });

  it('is healthy while its spool is writable, and reports the model and pool', () => {
    const { listener } = idleListener(root);
    const health = listener.health();
    assert.equal(health.ok, true);
    assert.deepEqual(health.detail, { model: 'spawn', stopping: false, spoolWritable: true, sessions: 0, idle: 0, busy: 0 });
    rmSync(root, { recursive: true, force: true });
    assert.equal(listener.health().ok, false);
    assert.equal(listener.health().detail.spoolWritable, false);
  });

  it('takes its metrics snapshot from the spool and its pool', () => {
    const { listener } = idleListener(root);
    const s = listener.snapshot();
    assert.equal(s.idle + s.busy + s.peers + s.processesStarted, 0);
  });
});
