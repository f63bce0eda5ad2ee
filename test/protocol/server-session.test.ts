import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { StreamCipher } from '../../src/protocol/cipher/stream';
import { FrameReader, encodeFrame, encodeSignal } from '../../src/protocol/frame';
import { OK } from '../../src/protocol/replies';
import { ServerSession, type SessionHost } from '../../src/protocol/server-session';

/**
 * Drives the server state machine as a client would, without sockets: the "RSA"
 * step is an identity function on a tagged blob so that the key path stays exact.
 */
class Harness {
  readonly out = new FrameReader();
  readonly events: string[] = [];
  readonly relayed: [string, Buffer][] = [];
  closed: { reason: string; violation: boolean } | null = null;
  tx: StreamCipher | null = null;
  readonly session: ServerSession;
  claims: Buffer[] = [];
  /** What the host answers to leaveGateway: true holds the command interface until leftGateway. */
  holdLeave = false;

  constructor(options: Partial<{ hash: string; acceptDegenerateKeys: boolean }> = {}) {
    const host: SessionHost = {
      nowNs: () => 1_700_000_000_123_456_789n,
      uuid: () => '00000000-0000-4000-8000-000000000000',
      procKey: '/17000000001234',
      keepalive: () => true,
      decryptSessionKey: (blob) => (blob.subarray(0, 4).toString() === 'KEY:' ? blob.subarray(4) : null),
      write: (bytes) => this.out.push(bytes),
      close: (reason, violation) => {
        this.closed = { reason, violation };
      },
      claimIdentity: (identity) => {
        this.claims.push(identity);
      },
      relay: (d, m) => this.relayed.push([d.toString(), m]),
      leaveGateway: () => {
        this.events.push('leave');
        return this.holdLeave;
      },
    };
    this.session = new ServerSession(
      { version: '0.0', hash: options.hash ?? 'secret', acceptDegenerateKeys: options.acceptDegenerateKeys ?? false, handshakeFrameLimit: 4096 },
      host,
    );
  }

  send(payload: string | Buffer): void {
    this.session.receive(encodeFrame(payload, this.tx));
  }
  signal(value: number): void {
    this.session.receive(encodeSignal(value, this.tx));
  }
  reply(): string | null {
    const r = this.out.next(1 << 20);
    return r.kind === 'frame' ? r.payload!.toString() : null;
  }
  handshake(key = randomBytes(32)): void {
    this.send('0.0');
    assert.equal(this.reply(), OK);
    this.send(Buffer.concat([Buffer.from('KEY:'), key]));
    assert.equal(this.reply(), OK);
    this.tx = new StreamCipher(key);
    this.out.cipher = new StreamCipher(key);
    this.send('secret');
    assert.equal(this.reply(), OK);
    assert.equal(this.session.authenticated, true);
  }
}

describe('server connection sequence', () => {
  it('refuses a wrong version with FAILED 2 and closes', () => {
    const h = new Harness();
    h.send('9.9');
    assert.match(h.reply()!, /^FAILED 2 /);
    assert.equal(h.closed?.violation, true);
  });

  it('refuses session keys of 15 and 215 bytes with FAILED 25', () => {
    for (const n of [15, 215]) {
      const h = new Harness();
      h.send('0.0');
      h.reply();
      h.send(Buffer.concat([Buffer.from('KEY:'), randomBytes(n)]));
      assert.match(h.reply()!, /^FAILED 25 /, `${n}`);
      assert.ok(h.closed);
    }
  });

  it('refuses a degenerate key unless configured to accept it', () => {
    const zeroSeed = Buffer.concat([Buffer.alloc(8), randomBytes(24)]);
    const h = new Harness();
    h.send('0.0');
    h.reply();
    h.send(Buffer.concat([Buffer.from('KEY:'), zeroSeed]));
    assert.match(h.reply()!, /^FAILED 25 /);
    const lenient = new Harness({ acceptDegenerateKeys: true });
    lenient.handshake(zeroSeed);
  });

  it('refuses a wrong hash with FAILED 3', () => {
    const h = new Harness({ hash: 'other' });
    h.send('0.0');
    h.reply();
    const key = randomBytes(32);
    h.send(Buffer.concat([Buffer.from('KEY:'), key]));
    h.reply();
    h.tx = new StreamCipher(key);
    h.out.cipher = new StreamCipher(key);
    h.send('secret');
    assert.match(h.reply()!, /^FAILED 3 /);
    assert.ok(h.closed);
  });

  it('caps frames before the hash', () => {
    const h = new Harness();
    const header = Buffer.alloc(4);
    header.writeInt32BE(2 ** 31 - 1);
    h.session.receive(header);
    assert.match(h.reply()!, /^FAILED 2 /);
    assert.equal(h.closed?.violation, true);
  });
});

describe('server command interface', () => {
  it('answers ECHO, dates, PROCKEY, GENUUID, UNKNOWN and END', () => {
    const h = new Harness();
    h.handshake();
    const ask = (cmd: string) => {
      h.send(cmd);
      return h.reply();
    };
    assert.equal(ask('ECHO hello world'), 'hello world');
    assert.equal(ask('echo x'), 'x');
    assert.equal(ask('DATE'), 'OK 1700000000');
    assert.equal(ask('UDATE'), 'OK 1700000000.123456');
    assert.equal(ask('NDATE'), 'OK 1700000000.123456789');
    assert.equal(ask('DATEF'), 'OK 2023-11-14 22:13:20');
    assert.equal(ask('PROCKEY'), 'OK /17000000001234');
    assert.equal(ask('GENUUID'), 'OK 00000000-0000-4000-8000-000000000000');
    assert.equal(ask('KEEPALIVE 1 60 | 10 | 5'), 'OK');
    assert.match(ask('KEEPALIVE x')!, /^FAILED 16 /);
    assert.equal(ask('MKDIR /x'), 'UNKNOWN');
    assert.equal(ask(''), 'UNKNOWN');
    h.send('END');
    assert.equal(h.reply(), null);
    assert.deepEqual(h.closed, { reason: 'client sent END', violation: false });
  });
});

describe('server gateway loop', () => {
  function inGateway(): Harness {
    const h = new Harness();
    h.handshake();
    h.send('XS_GATEWAY');
    assert.equal(h.reply(), OK);
    h.send('alice');
    assert.deepEqual(h.claims, [Buffer.from('alice')]);
    h.session.identityResult(OK);
    assert.equal(h.reply(), OK);
    return h;
  }

  it('relays destination and message pairs, ignores reserved signals, leaves on -1', () => {
    const h = inGateway();
    h.send('bob');
    h.send('one');
    h.signal(0);
    h.signal(-7);
    h.send('carol');
    h.send(Buffer.alloc(0));
    assert.deepEqual(h.relayed, [
      ['bob', Buffer.from('one')],
      ['carol', Buffer.alloc(0)],
    ]);
    h.out.push(h.session.encodeDelivery(Buffer.from('delivered'))!);
    assert.equal(h.reply(), 'delivered');
    h.signal(-1);
    assert.deepEqual(h.events, ['leave']);
    assert.equal(h.session.encodeDelivery(Buffer.from('x')), null);
    h.send('ECHO back');
    assert.equal(h.reply(), 'back');
  });

  it('holds input while an identity claim is pending', () => {
    const h = new Harness();
    h.handshake();
    h.send('XS_GATEWAY');
    h.reply();
    h.send('alice');
    h.send('bob');
    h.send('early');
    assert.deepEqual(h.relayed, []);
    h.session.identityResult(OK);
    assert.equal(h.reply(), OK);
    assert.deepEqual(h.relayed, [['bob', Buffer.from('early')]]);
  });

  it('answers what follows a -1 only once a held leave is done', () => {
    const h = new Harness();
    h.holdLeave = true;
    h.handshake();
    h.send('XS_GATEWAY');
    h.reply();
    h.send('alice');
    h.session.identityResult(OK);
    assert.equal(h.reply(), OK);
    h.signal(-1);
    h.send('ECHO after');
    assert.deepEqual(h.events, ['leave']);
    assert.equal(h.session.phase, 'gw-leaving');
    assert.equal(h.reply(), null, 'the ECHO waits for the leave');
    h.session.leftGateway();
    assert.equal(h.reply(), 'after');
    assert.equal(h.session.phase, 'command');
  });

  it('returns to commands after a refused identity', () => {
    const h = new Harness();
    h.handshake();
    h.send('XS_GATEWAY');
    h.reply();
    h.send('alice');
    h.session.identityResult('FAILED 1 : Access denied to location.');
    assert.match(h.reply()!, /^FAILED 1 /);
    h.send('ECHO still here');
    assert.equal(h.reply(), 'still here');
  });

  it('closes on out-of-range lengths', () => {
    const cases: [string, (h: Harness) => void][] = [
      ['destination over 524287', (h) => h.signal(524288)],
      ['message of -1', (h) => {
        h.send('bob');
        h.signal(-1);
      }],
      ['message of -2', (h) => {
        h.send('bob');
        h.signal(-2);
      }],
      ['message over 524288', (h) => {
        h.send('bob');
        h.signal(524289);
      }],
    ];
    for (const [name, act] of cases) {
      const h = inGateway();
      act(h);
      assert.equal(h.closed?.violation, true, name);
      assert.deepEqual(h.relayed, [], name);
    }
  });

  it('answers an empty identity with FAILED 1 and a 524288-byte one with a close', () => {
    const h = new Harness();
    h.handshake();
    h.send('XS_GATEWAY');
    h.reply();
    h.signal(0);
    assert.match(h.reply()!, /^FAILED 1 /);
    h.send('XS_GATEWAY');
    h.reply();
    h.signal(524288);
    assert.equal(h.closed?.violation, true);
  });
});
