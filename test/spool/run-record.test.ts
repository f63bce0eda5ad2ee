/** Run records (src/spool/run-record.ts): written whole, read back, anything else read as none. */
import assert from 'node:assert/strict';
import { linkSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ProcessCounters } from '../../src/spool/process-counters';
import { recordReplacer } from '../../src/native';
import {
  type RunRecord,
  RunRecordWriter,
  readRunRecord,
  runRecordStaging,
  runRecordText,
  writeRunRecord,
} from '../../src/spool/run-record';

const exchangeSkip = recordReplacer() === null ? 'native helper not built on this machine' : false;

describe('run record', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-run-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function record(): RunRecord {
    const stats = new ProcessCounters();
    stats.sent = 3;
    stats.dropped['no-peer'] = 1;
    return { pid: 77, state: 'busy', since: 1234, client: '127.0.0.1:5', connections: 2, stats };
  }

  it('reads back what was written, and leaves no file aside', () => {
    const file = path.join(dir, '77.json');
    writeRunRecord(file, record());
    assert.deepEqual(readRunRecord(file), JSON.parse(JSON.stringify(record())));
    writeRunRecord(file, { ...record(), state: 'idle', client: null });
    assert.equal(readRunRecord(file)?.state, 'idle', 'a rewrite replaces the record');
    assert.deepEqual(readdirSync(dir), ['77.json']);
  });

  it('reads a missing, torn or invalid record as none', () => {
    assert.equal(readRunRecord(path.join(dir, 'missing.json')), null);
    const torn = path.join(dir, 'torn.json');
    writeFileSync(torn, JSON.stringify(record()).slice(0, 20));
    assert.equal(readRunRecord(torn), null);
    for (const [name, text] of [
      ['nopid', '{"state":"idle"}'],
      ['strpid', '{"pid":"77","state":"idle"}'],
      ['nostate', '{"pid":77}'],
      ['null', 'null'],
      ['empty', ''],
    ]) {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, text);
      assert.equal(readRunRecord(file), null, name);
    }
  });

  it('reads a record whose two version numbers differ (caught being overwritten) as none', () => {
    const file = path.join(dir, 'mixed.json');
    writeFileSync(file, JSON.stringify({ version: 4, ...record(), versionEnd: 3 }));
    assert.equal(readRunRecord(file), null);
    writeFileSync(file, runRecordText(JSON.stringify(record()), 4));
    assert.equal(readRunRecord(file)?.pid, 77, 'the same record with matching numbers is read');
  });

  it('a writer exchanges the record with its spare: two files, the same two inodes, the spare one write behind', { skip: exchangeSkip }, () => {
    const file = path.join(dir, 'x.json');
    const writer = new RunRecordWriter(file);
    const inodes = new Set<number>();
    for (let n = 1; n <= 6; n++) {
      writer.write(JSON.stringify({ ...record(), connections: n }));
      assert.equal(readRunRecord(file)?.connections, n);
      inodes.add(statSync(file).ino);
      if (n >= 2) assert.equal(JSON.parse(readFileSync(runRecordStaging(file), 'utf8')).connections, n - 1, 'the spare holds the write before');
    }
    assert.equal(inodes.size, 2, 'no file was created after the second write');
    const shorter = JSON.stringify({ ...record(), client: null, state: 'idle' });
    writer.write(shorter);
    assert.equal(readFileSync(file, 'utf8'), runRecordText(shorter, 7), 'a shorter record is cut to its length');
    assert.deepEqual(readRunRecord(file), { version: 7, ...JSON.parse(shorter), versionEnd: 7 });
  });

  it('a writer never writes through a spare that is a link or has another name', { skip: exchangeSkip }, () => {
    const file = path.join(dir, 'y.json');
    const other = path.join(dir, 'other');
    writeFileSync(other, 'keep');
    linkSync(other, runRecordStaging(file));
    new RunRecordWriter(file).write(JSON.stringify(record()));
    assert.equal(readFileSync(other, 'utf8'), 'keep');
    assert.equal(readRunRecord(file)?.pid, 77);
    const file2 = path.join(dir, 'z.json');
    writeFileSync(file2, 'old');
    rmSync(runRecordStaging(file2), { force: true });
    symlinkSync(other, runRecordStaging(file2));
    new RunRecordWriter(file2).write(JSON.stringify(record()));
    assert.equal(readFileSync(other, 'utf8'), 'keep');
    assert.equal(readRunRecord(file2)?.pid, 77);
  });
});
