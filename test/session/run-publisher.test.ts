import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type Rig, sessionRig } from './fakes';

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
