/**
 * Drives the server state machine (ServerSession) as a client would, for the
 * property tests, and watches everything it does to its host. The "RSA" step is a
 * tag on the blob (`KEY:` + key) so the key path stays exact without real RSA.
 * Every write is decoded on the spot with the client's receive state, so a write
 * that is not exactly one whole frame, or breaks the cipher order, fails at once.
 */
import assert from 'node:assert/strict';
import { StreamCipher } from '../../src/protocol/cipher/stream';
import type { CommandContext } from '../../src/protocol/commands';
import { FrameReader, encodeFrame, encodeGatewaySend, encodeSignal } from '../../src/protocol/frame';
import { BUFFER_SIZE } from '../../src/protocol/limits';
import { OK } from '../../src/protocol/replies';
import { ServerSession, type SessionHost } from '../../src/protocol/server-session';

export const VERSION = '0.0';
export const HASH = 'secret';

/** The fixed context the rig's commands see (clock, uuid, process key, keepalive). */
export const RIG_CONTEXT: CommandContext = {
  nowNs: () => 1_700_000_000_123_456_789n,
  uuid: () => '00000000-0000-4000-8000-000000000000',
  procKey: '/17000000001234',
  keepalive: () => true,
};

/** The reply shapes of the command interface: OK, OK <x>, FAILED <n> : <text>, UNKNOWN. */
export function isReplyShape(text: string): boolean {
  return text === OK || text === 'UNKNOWN' || /^OK .+$/s.test(text) || /^FAILED \d+ : .+$/s.test(text);
}

export class SessionRig {
  readonly session: ServerSession;
  /** Reply payloads written by the server, in order (deliveries are not included). */
  readonly replies: Buffer[] = [];
  readonly relayed: [Buffer, Buffer][] = [];
  readonly claims: Buffer[] = [];
  readonly closes: { reason: string; violation: boolean }[] = [];
  leaves = 0;
  /** Writes (replies or deliveries) made after `close` was called. */
  writesAfterClose = 0;
  /** The client's transmit state, once the server accepted the key. */
  tx: StreamCipher | null = null;
  private readonly rx = new FrameReader();
  private offeredKey: Buffer | null = null;

  constructor(options: { acceptDegenerateKeys?: boolean; handshakeFrameLimit?: number } = {}) {
    const host: SessionHost = {
      ...RIG_CONTEXT,
      decryptSessionKey: (blob) => {
        if (blob.subarray(0, 4).toString('latin1') !== 'KEY:') return null;
        this.offeredKey = Buffer.from(blob.subarray(4));
        return Buffer.from(this.offeredKey);
      },
      write: (bytes) => this.onWrite(bytes),
      close: (reason, violation) => {
        this.closes.push({ reason, violation });
      },
      claimIdentity: (identity) => {
        this.claims.push(Buffer.from(identity));
      },
      relay: (destination, message) => {
        this.relayed.push([Buffer.from(destination), Buffer.from(message)]);
      },
      leaveGateway: () => {
        this.leaves++;
        return false;
      },
    };
    this.session = new ServerSession(
      {
        version: VERSION,
        hash: HASH,
        acceptDegenerateKeys: options.acceptDegenerateKeys ?? true,
        handshakeFrameLimit: options.handshakeFrameLimit ?? 4096,
      },
      host,
    );
  }

  get closed(): boolean {
    return this.closes.length > 0;
  }

  /** Feeds bytes to the server in the given pieces (all at once without pieces). */
  feed(bytes: Buffer, pieces?: Buffer[]): void {
    for (const piece of pieces ?? [bytes]) this.session.receive(piece);
  }

  /** The wire form of a frame from the client (enciphered once the key is accepted). */
  frame(payload: Buffer | string): Buffer {
    return encodeFrame(payload, this.tx);
  }

  /** The wire form of a bare header from the client. */
  header(value: number): Buffer {
    return encodeSignal(value, this.tx);
  }

  /** The wire form of a gateway send, built by the client's encoder. */
  gatewaySend(destination: Buffer, message: Buffer): Buffer {
    assert.ok(this.tx, 'a gateway send needs the session key');
    return encodeGatewaySend(destination, message, this.tx);
  }

  send(payload: Buffer | string): void {
    this.feed(this.frame(payload));
  }

  signal(value: number): void {
    this.feed(this.header(value));
  }

  /** Removes and returns the replies written so far. */
  takeReplies(): string[] {
    return this.replies.splice(0).map((r) => r.toString('utf8'));
  }

  /**
   * Asks the server for a delivery frame and checks that the client decodes it to
   * `message`. Returns false when the server refused (not in the gateway).
   */
  deliver(message: Buffer): boolean {
    const bytes = this.session.encodeDelivery(message);
    if (bytes === null) return false;
    if (this.closed) this.writesAfterClose++;
    const got = this.decodeOne(bytes);
    assert.deepEqual(got, message, 'delivery decoded to other bytes');
    return true;
  }

  /** Runs the connection sequence with `key`; the server is then at the command prompt. */
  handshake(key: Buffer): void {
    this.send(VERSION);
    this.send(Buffer.concat([Buffer.from('KEY:'), key]));
    this.send(HASH);
    assert.deepEqual(this.takeReplies(), [OK, OK, OK]);
    assert.equal(this.session.phase, 'command');
  }

  /** Handshake, XS_GATEWAY, identity and an accepted claim: the server is in the gateway loop. */
  enterGateway(key: Buffer, identity: Buffer | string = 'alice'): void {
    this.handshake(key);
    this.send('XS_GATEWAY');
    this.send(identity);
    assert.equal(this.session.phase, 'gw-claiming');
    this.session.identityResult(OK);
    assert.deepEqual(this.takeReplies(), [OK, OK]);
    assert.equal(this.session.phase, 'gw-destination');
  }

  private onWrite(bytes: Buffer): void {
    if (this.closed) this.writesAfterClose++;
    const payload = this.decodeOne(bytes);
    this.replies.push(payload);
    // The key's OK is the last plain frame: from here on both directions are enciphered.
    if (this.session.phase === 'key' && this.offeredKey && payload.toString('latin1') === OK) {
      this.rx.cipher = new StreamCipher(this.offeredKey);
      this.tx = new StreamCipher(this.offeredKey);
    }
  }

  /** Decodes one write; it must hold exactly one whole frame with a body. */
  private decodeOne(bytes: Buffer): Buffer {
    this.rx.push(bytes);
    const got = this.rx.next(BUFFER_SIZE);
    assert.ok(got.kind === 'frame' && got.payload !== null, `a write is not one whole frame (${got.kind})`);
    assert.equal(this.rx.inFrame, false, 'a write holds more than one frame');
    return Buffer.from(got.payload!);
  }
}
