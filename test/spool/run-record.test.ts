/** Run records (src/spool/run-record.ts): written whole, read back, anything else read as none. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ProcessCounters } from '../../src/spool/process-counters';
import { type RunRecord, readRunRecord, writeRunRecord } from '../../src/spool/run-record';

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
});
