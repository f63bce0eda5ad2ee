/** The owner record of an inbox: who holds it, exactly which identity, since when. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { OWNER_FILE } from '../../src/spool/layout';
import { makeOwnerRecord, readOwnerRecord, writeOwnerRecord } from '../../src/spool/owner-record';

describe('owner record', () => {
  it('keeps the identity bytes exactly and reads back what was written', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-owner-'));
    try {
      const identity = Buffer.from([0x00, 0xff, 0x41]);
      const record = makeOwnerRecord(identity, '~b.AP9B', 4242, '127.0.0.1:5000');
      assert.equal(Buffer.from(record.identityBase64, 'base64').toString('hex'), '00ff41');
      assert.equal(record.identity, '0x00ff41');
      writeOwnerRecord(dir, record);
      assert.deepEqual(readOwnerRecord(dir), record);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a missing, torn or foreign record as null', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-owner-'));
    try {
      assert.equal(readOwnerRecord(dir), null);
      writeFileSync(path.join(dir, OWNER_FILE), '{"pid": 12, "na');
      assert.equal(readOwnerRecord(dir), null);
      writeFileSync(path.join(dir, OWNER_FILE), '{"pid": "12", "name": "bob"}');
      assert.equal(readOwnerRecord(dir), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
