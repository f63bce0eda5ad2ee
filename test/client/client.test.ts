import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { type GatewayPeer, TfConnectionError, TfReplyError, TfStateError } from '../../src/client';
import { FAILED_ACCESS_DENIED, OK } from '../../src/protocol/replies';
import { useFakeGateway } from '../helpers/fake-gateway';

const gateway = useFakeGateway({
  claimReply: (identity) => (identity.toString('utf8').startsWith('forbidden') ? FAILED_ACCESS_DENIED : OK),
});
const open = () => gateway().connect();

function replyCode(code: number): (error: unknown) => boolean {
  return (error) => error instanceof TfReplyError && error.code === code;
}

/** Resolves once `peer` has emitted `count` more 'message' events. */
function messagesSeen(peer: GatewayPeer, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onMessage = (): void => {
      if (++seen < count) return;
      peer.off('message', onMessage);
      resolve();
    };
    peer.on('message', onMessage);
  });
}

describe('command mode', () => {
  it('matches pipelined replies to commands in order', async () => {
    const client = await open();
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => client.command(`ECHO n${i}`)));
    assert.deepEqual(
      replies,
      Array.from({ length: 200 }, (_, i) => `n${i}`),
    );
  });

  it('end() closes the connection and later calls reject', async () => {
    const client = await open();
    const echoed = client.command('ECHO last');
    await client.end();
    assert.equal(await echoed, 'last');
    assert.equal(client.closed, true);
    await assert.rejects(client.command('ECHO x'), TfStateError);
  });

  it('rejects pending commands when the server drops the connection', async () => {
    const client = await open();
    await client.command('ECHO warm');
    const peer = await client.enterGateway('dropped');
    const iterating = (async () => {
      for await (const _ of peer) {
        // nothing arrives
      }
    })();
    gateway().dropAll();
    await assert.rejects(iterating, TfConnectionError);
    await assert.rejects(client.command('ECHO x'), TfConnectionError);
    await assert.rejects(peer.send('x', 'y'));
    await assert.rejects(peer.leave(), TfConnectionError);
  });
});

describe('gateway', () => {
  it('relays messages of 0, 1, 4096 and 524288 bytes both ways at once', async () => {
    const a = await open();
    const b = await open();
    const pa = await a.enterGateway('alpha');
    const pb = await b.enterGateway(Buffer.from('beta'));
    for (const size of [0, 1, 4096, 524288]) {
      const toB = randomBytes(size);
      const toA = randomBytes(size);
      await Promise.all([pa.send('beta', toB), pb.send('alpha', toA)]);
      const [[gotB], [gotA]] = await Promise.all([pb.receive(1), pa.receive(1)]);
      assert.ok(gotB!.equals(toB), `beta got ${gotB!.length} bytes, expected ${size}`);
      assert.ok(gotA!.equals(toA), `alpha got ${gotA!.length} bytes, expected ${size}`);
    }
    await Promise.all([pa.leave(), pb.leave()]);
    assert.equal(await a.command('ECHO a'), 'a');
    assert.equal(await b.command('ECHO b'), 'b');
  });

  it('emits message events, also without buffering', async () => {
    const a = await open();
    const b = await open();
    const pa = await a.enterGateway('ev-a');
    const pb = await b.enterGateway('ev-b', { buffer: false });
    const got = once(pb, 'message');
    await pa.send('ev-b', 'ping');
    assert.equal(String((await got)[0]), 'ping');
    assert.equal(pb.buffered, 0);
    await assert.rejects(pb.receive(1), TfStateError);
    const ended = once(pb, 'end');
    await pb.leave();
    assert.deepEqual(await ended, [null]);
  });

  it('loses messages for absent identities without an error', async () => {
    const a = await open();
    const pa = await a.enterGateway('lonely');
    for (let i = 0; i < 8; i++) await pa.send('nobody-here', randomBytes(524288));
    await pa.leave();
    assert.equal(await a.command('ECHO still'), 'still');
  });

  it('reports a refused identity with its code and stays in command mode', async () => {
    const client = await open();
    await assert.rejects(client.enterGateway('forbidden/x'), replyCode(1));
    assert.equal(client.inGateway, false);
    assert.equal(await client.command('ECHO ok'), 'ok');
  });

  it('validates identities and messages before sending', async () => {
    const client = await open();
    await assert.rejects(client.enterGateway(''), RangeError);
    const peer = await client.enterGateway('checker');
    await assert.rejects(peer.send('', 'x'), RangeError);
    await assert.rejects(peer.send('y', Buffer.alloc(524289)), RangeError);
    await peer.leave();
  });

  it('refuses commands inside the gateway and queues them after leave()', async () => {
    const client = await open();
    const peer = await client.enterGateway('queued');
    await assert.rejects(client.command('ECHO no'), TfStateError);
    const left = peer.leave();
    const echoed = client.command('ECHO after');
    await left;
    assert.equal(await echoed, 'after');
    assert.equal(peer.state, 'left');
    await assert.rejects(peer.send('queued', 'x'), TfStateError);
  });

  it('keeps call order: a command made before leave() is still refused', async () => {
    const client = await open();
    const peer = await client.enterGateway('order');
    const early = client.command('ECHO early');
    const left = peer.leave();
    const late = client.command('ECHO late');
    await assert.rejects(early, TfStateError);
    await left;
    assert.equal(await late, 'late');
  });

  it('enters again right after leave() without waiting for it', async () => {
    const client = await open();
    const first = await client.enterGateway('first-stay');
    const left = first.leave();
    const second = await client.enterGateway('second-stay');
    await left;
    assert.equal(first.state, 'left');
    assert.equal(second.state, 'open');
    const got = second.receive(1);
    assert.equal(gateway().deliverRaw('second-stay', Buffer.from('to the second')), true);
    assert.equal(String((await got)[0]), 'to the second');
    await second.leave();
    assert.equal(await client.command('ECHO back'), 'back');
  });

  it('refuses sends once end() has gone out', async () => {
    const client = await open();
    const peer = await client.enterGateway('sender-ending');
    const ended = client.end();
    await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(peer.send('anyone', 'x'), TfConnectionError);
    await ended;
  });

  it('end() inside the gateway leaves it, closes and ends the peer cleanly', async () => {
    const client = await open();
    const peer = await client.enterGateway('ender');
    const ended = once(peer, 'end');
    await client.end();
    assert.deepEqual(await ended, [null]);
    assert.equal(peer.state, 'closed');
  });

  it('leave() followed by end() completes the leave before closing', async () => {
    const client = await open();
    const peer = await client.enterGateway('leave-then-end');
    const left = peer.leave();
    await client.end();
    await left;
    assert.equal(peer.state, 'left');
  });

  it('treats an oversized delivery header as a connection error', async () => {
    const client = await open();
    const peer = await client.enterGateway('victim');
    const next = peer.receive(1);
    assert.equal(gateway().deliverRaw('victim', Buffer.alloc(524289)), true);
    await assert.rejects(next, TfConnectionError);
    assert.equal(client.closed, true);
    await assert.rejects(client.command('ECHO x'), TfConnectionError);
  });

  it('leave() during a flood hands over every earlier delivery and stays in sync (20 rounds)', async () => {
    const a = await open();
    const b = await open();
    const flooder = await a.enterGateway('flooder');
    for (let round = 0; round < 20; round++) {
      const target = `target-${round}`;
      const peer = await b.enterGateway(target);
      let stop = false;
      const flood = (async () => {
        for (let seq = 0; !stop; seq++) {
          await flooder.send(target, floodMessage(seq));
          if (seq % 32 === 31) await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const received: Buffer[] = [];
      const reading = (async () => {
        for await (const message of peer) received.push(message);
      })();
      await messagesSeen(peer, 3 + round);
      await peer.leave();
      await reading;
      stop = true;
      await flood;
      assert.equal(received.length, gateway().deliveredTo(target), `round ${round}: deliveries vs received`);
      received.forEach((message, seq) => {
        assert.ok(message.equals(floodMessage(seq)), `round ${round}: message ${seq}`);
      });
      assert.equal(await b.command(`ECHO round-${round}`), `round-${round}`);
    }
  });
});

/** Message `seq` of a flood: its number, then a pattern whose length varies with it. */
function floodMessage(seq: number): Buffer {
  const length = seq % 9 === 0 ? 32768 : (seq * 37) % 600;
  const out = Buffer.alloc(4 + length);
  out.writeUInt32BE(seq, 0);
  for (let i = 0; i < length; i++) out[4 + i] = (seq + i) & 0xff;
  return out;
}
