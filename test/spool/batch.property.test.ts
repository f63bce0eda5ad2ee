import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_MESSAGES,
  batchBytes,
  batchCount,
  decodeBatch,
  encodeBatch,
} from '../../src/spool/batch';
import { check, payloadArb } from '../helpers/property';

/** A list of messages whose batch file stays within MAX_BATCH_BYTES. */
const messagesArb = fc
  .array(fc.oneof({ weight: 3, arbitrary: payloadArb(64) }, { weight: 1, arbitrary: payloadArb(40_000) }), {
    minLength: 1,
    maxLength: 40,
  })
  .filter((ms) => batchBytes(ms.length, ms.reduce((n, m) => n + m.length, 0)) <= MAX_BATCH_BYTES);

function decoded(bytes: Uint8Array): Buffer[] | string {
  const result = decodeBatch(bytes);
  return 'messages' in result ? result.messages : result.problem;
}

describe('batch file format', () => {
  it('decodes what it encodes, message for message, in order, with the count in the header', () => {
    check(
      fc.property(messagesArb, fc.boolean(), (messages, withScratch) => {
        const scratch = withScratch ? Buffer.alloc(MAX_BATCH_BYTES) : undefined;
        const bytes = encodeBatch(messages, scratch);
        assert.equal(bytes.length, batchBytes(messages.length, messages.reduce((n, m) => n + m.length, 0)));
        assert.equal(batchCount(bytes), messages.length);
        assert.deepEqual(decoded(bytes), messages);
      }),
      100,
    );
  });

  it('drops a truncated file or one with bytes after its last record', () => {
    check(
      fc.property(messagesArb, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 }), (messages, cut, extra) => {
        const bytes = encodeBatch(messages);
        const short = bytes.subarray(0, cut % bytes.length);
        assert.equal(typeof decoded(short), 'string', `a file cut at ${short.length} of ${bytes.length} bytes`);
        assert.equal(decoded(Buffer.concat([bytes, extra])), 'trailing-bytes');
      }),
      100,
    );
  });

  it('drops a file whose lengths run past its end, never reading outside it', () => {
    check(
      fc.property(messagesArb, fc.nat(), fc.integer({ min: 1, max: 0xffff_ffff }), (messages, which, grow) => {
        const bytes = Buffer.from(encodeBatch(messages));
        // Find the length field of one record and make it larger than what follows it.
        let at = bytes.indexOf(0x0a) + 1;
        for (let i = 0; i < which % messages.length; i++) at += 4 + bytes.readUInt32BE(at);
        const length = bytes.readUInt32BE(at);
        const bigger = Math.min(0xffff_ffff, length + grow);
        bytes.writeUInt32BE(bigger, at);
        // Even when a longer record swallows the ones after it, the header's count still asks for them.
        assert.equal(decoded(bytes), 'truncated');
      }),
      100,
    );
  });

  it('drops a file whose header is missing or garbled, and anything that is not a batch at all', () => {
    const headerArb = fc.oneof(
      fc.constantFrom('', 'tfgw-batch\n', 'tfgw-batch 0\n', 'tfgw-batch 01\n', 'tfgw-batch -1\n', 'tfgw-batch 1 \n'),
      fc.constant(`tfgw-batch ${MAX_BATCH_MESSAGES + 1}\n`),
      fc.constant('tfgw-batch 99999999999999999999\n'),
      fc.string({ maxLength: 20 }).map((s) => `${s}\n`),
    );
    check(
      fc.property(headerArb, fc.uint8Array({ maxLength: 64 }), (header, body) => {
        const bytes = Buffer.concat([Buffer.from(header, 'latin1'), body]);
        const count = batchCount(bytes);
        const got = decoded(bytes);
        if (count === null) assert.equal(typeof got, 'string');
        else assert.ok(typeof got === 'string' || got.length === count);
      }),
      200,
    );
  });

  it('never throws on arbitrary bytes, and a file over the size limit is refused unread', () => {
    check(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        const got = decoded(bytes);
        if (typeof got !== 'string') for (const m of got) assert.ok(m.length <= bytes.length);
      }),
      300,
    );
    assert.equal(decoded(Buffer.alloc(MAX_BATCH_BYTES + 1)), 'too-large');
  });
});
