import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RunPublisher } from '../../src/session/run-publisher';
import { ProcessCounters } from '../../src/spool/process-counters';
import { readRunRecord } from '../../src/spool/run-record';
import { type Rig, recordingLogger, sessionRig } from './fakes';

describe('RunPublisher', () => {
  let rig: Rig;
  let depth = 0;
  beforeEach(() => {
    depth = 0;
    rig = sessionRig(() => depth);
  });
  afterEach(() => rig.remove());

  it('writes the record with state, client, counters and inbox depth', () => {
    rig.stats.sent = 7;
    depth = 3;
    rig.publisher.publish('busy', '10.0.0.1:5000');
    const record = rig.written();
    assert.equal(record?.pid, 4242);
    assert.equal(record?.state, 'busy');
    assert.equal(record?.client, '10.0.0.1:5000');
    assert.equal(record?.stats.sent, 7);
    assert.equal(record?.stats.inboxDepth, 3);
  });

  it('moves `since` only when the state changes', () => {
    rig.publisher.publish('idle', null);
    const first = rig.written()?.since;
    rig.clock.ms += 1000;
    rig.publisher.refresh();
    assert.equal(rig.written()?.since, first, 'a refresh keeps the time the state began');
    rig.publisher.publish('busy', 'c');
    assert.equal(rig.written()?.since, (first ?? 0) + 1000);
  });

  it('counts connections into the record', () => {
    assert.equal(rig.publisher.countConnection(), 1);
    assert.equal(rig.publisher.countConnection(), 2);
    rig.publisher.refresh();
    assert.equal(rig.written()?.connections, 2);
    assert.equal(rig.publisher.connections, 2);
  });

  it('leaves an unchanged record alone on a refresh, and writes it again once a counter moved or the file went', () => {
    const file = rig.spool.layout.runFile(4242);
    rig.publisher.publish('idle', null);
    writeFileSync(file, 'left alone');
    rig.clock.ms += 1000;
    rig.publisher.refresh();
    assert.equal(readFileSync(file, 'utf8'), 'left alone', 'an idle refresh writes nothing');
    rig.stats.bytesIn = 5;
    rig.publisher.refresh();
    assert.equal(rig.written()?.stats.bytesIn, 5);
    rmSync(file);
    rig.publisher.refresh();
    assert.equal(rig.written()?.stats.bytesIn, 5, 'a record removed is written again');
  });

  it('coalesces the writes of one window and writes exiting at once', async () => {
    // The real clock: the window's end is a real timer.
    const file = rig.spool.layout.runFile(777);
    const stats = new ProcessCounters();
    const log = recordingLogger();
    const publisher = new RunPublisher({ file, pid: 777, stats, remakeSpool: () => rig.spool.init(), inboxDepth: () => 0, log, coalesceMs: 40 });
    const read = () => readRunRecord(file);
    publisher.publish('idle', null);
    assert.equal(read()?.state, 'idle', 'nothing written within the window: at once');
    publisher.publish('handshaking', 'c');
    publisher.countConnection();
    publisher.publish('busy', 'c');
    assert.equal(read()?.state, 'idle', 'within the window: not yet');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(read()?.state, 'busy', 'at the end of the window, as the record is then');
    assert.equal(read()?.connections, 1);
    stats.sent = 5;
    publisher.publish('idle', null);
    publisher.publish('exiting', null);
    assert.equal(read()?.state, 'exiting', 'exiting never waits');
    assert.equal(read()?.stats.sent, 5);
    rmSync(file);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(read(), null, 'the write pending before exiting was dropped, not written after it');
  });

  it('makes the .run directory again when it was removed, and writes the record there', () => {
    rmSync(path.dirname(rig.spool.layout.runFile(4242)), { recursive: true, force: true });
    rig.publisher.publish('idle', null);
    assert.equal(rig.written()?.state, 'idle');
    assert.deepEqual(rig.logLines, [], 'nothing to warn about');
  });

  it('warns, without throwing, when the record cannot be written', () => {
    // The whole spool root replaced by a file: .run cannot be made again.
    rig.remove();
    rmSync(rig.spool.layout.root, { recursive: true, force: true });
    writeFileSync(rig.spool.layout.root, 'not a directory');
    rig.publisher.publish('busy', 'c');
    assert.match(rig.logLines.join(''), /run record not written/);
    rmSync(rig.spool.layout.root, { force: true });
  });
});
