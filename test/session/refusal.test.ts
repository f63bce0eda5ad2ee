import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '../../src/log/logger';
import { FAILED_ACCESS_DENIED, FAILED_INTERNAL, FAILED_MEMORY } from '../../src/protocol/replies';
import type { Refusal } from '../../src/spool/membership';
import { refusalReply } from '../../src/session/refusal';

function refuse(refused: Refusal, ending = false) {
  const lines: string[] = [];
  const log = new Logger('debug', 'text', 'session', (line) => lines.push(line));
  const join = { identity: Buffer.from('who'), refused, error: new Error('disk on fire'), client: 'c:1', maxPeers: 7, ending };
  return { reply: refusalReply(log, join), lines };
}

describe('refused joins', () => {
  it('answers a full gateway with FAILED 14 and logs the limit', () => {
    const { reply, lines } = refuse('full');
    assert.equal(reply, FAILED_MEMORY);
    assert.match(lines[0]!, /WARN .*gateway full, identity refused client=c:1 peers=7/);
  });

  it('answers an identity in use with access denied', () => {
    const { reply, lines } = refuse('in-use');
    assert.equal(reply, FAILED_ACCESS_DENIED);
    assert.match(lines[0]!, /INFO .*identity in use, refused client=c:1 identity=/);
  });

  it('answers a failure with an internal error and logs it, unless the connection is ending', () => {
    const { reply, lines } = refuse('failed');
    assert.equal(reply, FAILED_INTERNAL);
    assert.match(lines[0]!, /ERROR .*identity claim failed client=c:1 error="disk on fire"/);
    assert.deepEqual(refuse('failed', true), { reply: null, lines: [] });
  });

  it('says nothing for a join abandoned by its own connection', () => {
    assert.deepEqual(refuse('abandoned'), { reply: null, lines: [] });
  });
});
