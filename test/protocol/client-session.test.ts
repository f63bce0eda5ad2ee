import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeSignal } from '../../src/protocol/frame';
import { FAILED_BAD_HASH, FAILED_BAD_KEY, FAILED_INCOMPATIBLE, OK } from '../../src/protocol/replies';
import { ClientRig, HASH, VERSION } from '../helpers/client-rig';

const TOKEN = 'tfgw-leave-00112233445566778899aabbccddeeff';

function rig(): ClientRig {
  return new ClientRig(randomBytes(32));
}

describe('client connection sequence', () => {
  it('writes version and sealed key in plain text, the hash enciphered, each after the OK before it', () => {
    const r = rig();
    r.session.start();
    assert.deepEqual(r.takeSent(), [VERSION]);
    r.feed(r.frame(OK));
    assert.deepEqual(r.takeSent(), [`SEALED:${r.key.toString('latin1')}`]);
    assert.equal(r.session.phase, 'key');
    r.feed(r.keyAccepted());
    assert.deepEqual(r.takeSent(), [HASH], 'the hash is read back with the session key');
    assert.equal(r.session.phase, 'hash');
    assert.deepEqual(r.takeEvents(), []);
    r.feed(r.frame(OK));
    assert.deepEqual(r.takeEvents(), [{ kind: 'ready' }]);
    assert.equal(r.session.phase, 'command');
    assert.equal(r.session.acceptsCommands, true);
  });

  it('refuses to start twice', () => {
    const r = rig();
    r.session.start();
    assert.throws(() => r.session.start());
  });

  for (const [step, upTo, reply] of [
    ['protocol version', 0, FAILED_INCOMPATIBLE],
    ['session key', 1, FAILED_BAD_KEY],
    ['hash', 2, FAILED_BAD_HASH],
  ] as const) {
    it(`reports a refused ${step} with the step and the reply, and closes`, () => {
      const r = rig();
      r.session.start();
      if (upTo >= 1) r.feed(r.frame(OK));
      if (upTo >= 2) r.feed(r.keyAccepted());
      const sentBefore = r.takeSent().length;
      r.feed(r.frame(reply));
      assert.deepEqual(r.takeEvents(), [{ kind: 'refused', step, reply }]);
      assert.equal(r.session.phase, 'closed');
      assert.equal(sentBefore, upTo + 1);
      assert.deepEqual(r.takeSent(), [], 'nothing is written after a refusal');
      r.feed(r.frame(OK));
      assert.deepEqual(r.takeEvents(), [], 'a closed session ignores what still comes');
    });
  }
});

describe('client command replies', () => {
  it('matches replies to commands in the order written, also from one chunk', () => {
    const r = rig();
    r.handshake();
    const ids = ['ECHO a', 'ECHO b', 'NOSUCH'].map((text) => r.session.command(text));
    assert.deepEqual(r.takeSent(), ['ECHO a', 'ECHO b', 'NOSUCH']);
    r.feed(Buffer.concat([r.frame('a'), r.frame('b'), r.frame('UNKNOWN')]));
    assert.deepEqual(
      r.takeEvents(),
      ['a', 'b', 'UNKNOWN'].map((text, i) => ({ kind: 'reply', id: ids[i], payload: Buffer.from(text) })),
    );
  });

  it('treats a frame that answers no request as a violation and ignores the rest', () => {
    const r = rig();
    r.handshake();
    r.session.command('ECHO one');
    r.feed(Buffer.concat([r.frame('one'), r.frame('stray'), r.frame('more')]));
    const events = r.takeEvents();
    assert.deepEqual(events.map((e) => e.kind), ['reply', 'violation']);
    assert.deepEqual(events[1], { kind: 'violation', reason: 'server sent a frame that answers no request' });
    assert.equal(r.session.phase, 'closed');
  });

  it('treats a negative or oversized header as a violation', () => {
    for (const header of [-5, 524289]) {
      const r = rig();
      r.session.start();
      r.feed(encodeSignal(header, null));
      assert.deepEqual(r.takeEvents(), [{ kind: 'violation', reason: `server sent an invalid frame header (${header})` }]);
    }
  });

  it('writes END and still takes the replies due', () => {
    const r = rig();
    r.handshake();
    const id = r.session.command('ECHO last');
    r.session.end();
    assert.deepEqual(r.takeSent(), ['ECHO last', 'END']);
    assert.equal(r.session.acceptsCommands, false);
    assert.throws(() => r.session.command('ECHO late'));
    r.feed(r.frame('last'));
    assert.deepEqual(r.takeEvents(), [{ kind: 'reply', id, payload: Buffer.from('last') }]);
  });
});

describe('client gateway entry', () => {
  it('writes the identity only after the OK to XS_GATEWAY, and refuses commands meanwhile', () => {
    const r = rig();
    r.handshake();
    r.session.enterGateway(Buffer.from('bob'));
    assert.deepEqual(r.takeSent(), ['XS_GATEWAY']);
    assert.equal(r.session.entering, true);
    assert.throws(() => r.session.command('ECHO x'), 'a command would be taken for the identity');
    r.feed(r.frame(OK));
    assert.deepEqual(r.takeSent(), ['bob']);
    r.feed(Buffer.concat([r.frame(OK), r.frame('right behind')]));
    assert.deepEqual(r.takeEvents(), [{ kind: 'entered' }, { kind: 'delivery', payload: Buffer.from('right behind') }]);
    assert.equal(r.session.phase, 'gateway');
  });

  for (const [step, answers] of [
    ['XS_GATEWAY', ['FAILED 9 : no']],
    ['gateway identity', [OK, 'FAILED 1 : Access denied to location.']],
  ] as const) {
    it(`reports a refused ${step} and stays in the command interface`, () => {
      const r = rig();
      r.handshake();
      r.session.enterGateway(Buffer.from('carol'));
      r.feed(Buffer.concat(answers.map((a) => r.frame(a))));
      assert.deepEqual(r.takeEvents(), [{ kind: 'refused', step, reply: answers.at(-1) }]);
      assert.deepEqual(r.takeSent(), answers.length === 1 ? ['XS_GATEWAY'] : ['XS_GATEWAY', 'carol']);
      assert.equal(r.session.phase, 'command');
      assert.equal(r.session.acceptsCommands, true);
    });
  }
});

describe('client gateway stay', () => {
  it('encodes sends the server reads as destination and message, and refuses commands', () => {
    const r = rig();
    r.enterGateway();
    assert.equal(r.session.acceptsCommands, false);
    assert.throws(() => r.session.command('ECHO x'));
    assert.deepEqual(r.read(r.session.encodeSend(Buffer.from('bob'), Buffer.from('hi'))), ['bob', 'hi']);
    assert.deepEqual(r.read(r.session.encodeSend(Buffer.from('bob'), Buffer.alloc(0))), ['bob', '']);
  });

  it('hands every frame before the token to the stay; the token ends it; later replies answer later commands', () => {
    const r = rig();
    r.enterGateway();
    r.session.leave(TOKEN);
    assert.equal(r.session.phase, 'leaving');
    assert.throws(() => r.session.encodeSend(Buffer.from('x'), Buffer.from('y')), 'no send after the leave');
    const id = r.session.command('ECHO after');
    assert.deepEqual(r.takeSent(), [-1, `ECHO ${TOKEN}`, 'ECHO after']);
    const deliveries = ['late', `ECHO ${TOKEN}`, OK, ''];
    r.feed(Buffer.concat([...deliveries.map((d) => r.frame(d)), r.frame(TOKEN), r.frame('after')]));
    assert.deepEqual(r.takeEvents(), [
      ...deliveries.map((d) => ({ kind: 'delivery', payload: Buffer.from(d) })),
      { kind: 'left' },
      { kind: 'reply', id, payload: Buffer.from('after') },
    ]);
    assert.equal(r.session.phase, 'command');
  });

  it('enters again right after a leave: XS_GATEWAY is answered after the token', () => {
    const r = rig();
    r.enterGateway();
    r.session.leave(TOKEN);
    r.session.enterGateway(Buffer.from('again'));
    assert.deepEqual(r.takeSent(), [-1, `ECHO ${TOKEN}`, 'XS_GATEWAY']);
    r.feed(Buffer.concat([r.frame('d'), r.frame(TOKEN), r.frame(OK)]));
    assert.deepEqual(r.takeSent(), ['again']);
    r.feed(r.frame(OK));
    assert.deepEqual(
      r.takeEvents().map((e) => e.kind),
      ['delivery', 'left', 'entered'],
    );
  });

  it('END inside the stay leaves with a bare -1 first; after a leave it does not', () => {
    const inside = rig();
    inside.enterGateway();
    inside.session.end();
    assert.deepEqual(inside.takeSent(), [-1, 'END']);
    inside.feed(inside.frame('still delivered'));
    assert.deepEqual(inside.takeEvents(), [{ kind: 'delivery', payload: Buffer.from('still delivered') }]);

    const leaving = rig();
    leaving.enterGateway();
    leaving.session.leave(TOKEN);
    leaving.session.end();
    assert.deepEqual(leaving.takeSent(), [-1, `ECHO ${TOKEN}`, 'END']);
  });
});
