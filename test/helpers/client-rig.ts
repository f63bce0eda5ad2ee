/**
 * Drives the client state machine (ClientSession) as a server would, for its
 * module and property tests: the rig builds the server's frames with the real
 * stream cipher and reads back everything the client writes, with the server's
 * receive state, as it is written (plain for the version and the sealed key,
 * enciphered from the hash on, as the server switches after reading the key). The "RSA" step is a tag on the key
 * (`SEALED:` + key), so the key path stays exact without real RSA.
 */
import assert from 'node:assert/strict';
import { StreamCipher } from '../../src/protocol/cipher/stream';
import { type ClientEvent, ClientSession } from '../../src/protocol/client-session';
import { FrameReader, encodeFrame } from '../../src/protocol/frame';
import { BUFFER_SIZE } from '../../src/protocol/limits';
import { OK } from '../../src/protocol/replies';

export const VERSION = '0.0';
export const HASH = 'rig-hash';

/** What the client wrote, as the server reads it: a payload as text, or a bare signal's value. */
export type Sent = string | number;

export class ClientRig {
  readonly session: ClientSession;
  readonly events: ClientEvent[] = [];
  /** The client's writes as they left it, undecoded. */
  readonly writes: Buffer[] = [];
  private readonly sent: Sent[] = [];
  private readonly rx = new FrameReader();
  /** Frames read from the client so far: the first two (version and sealed key) are plain. */
  private framesRead = 0;
  private tx: StreamCipher | null = null;

  constructor(
    readonly key: Buffer,
    /** Called on every event, after it is recorded: where a test makes the calls a shell would. */
    onEvent: (event: ClientEvent, rig: ClientRig) => void = () => undefined,
  ) {
    this.session = new ClientSession(
      { version: VERSION, hash: HASH, sessionKey: key, sealedKey: Buffer.concat([Buffer.from('SEALED:'), key]) },
      {
        write: (bytes) => this.onWrite(bytes),
        event: (event) => {
          this.events.push(event);
          onEvent(event, this);
        },
      },
    );
  }

  /** A frame from the server, enciphered once the server has accepted the key. */
  frame(payload: Buffer | string): Buffer {
    return encodeFrame(payload, this.tx);
  }

  /** The server's plain OK to the session key; the server's frames after it are enciphered. */
  keyAccepted(): Buffer {
    const ok = encodeFrame(OK, null);
    this.tx = new StreamCipher(this.key);
    return ok;
  }

  /** The server's bytes for a whole accepted connection sequence. */
  handshakeReplies(): Buffer {
    return Buffer.concat([this.frame(OK), this.keyAccepted(), this.frame(OK)]);
  }

  /** Feeds bytes to the client in the given pieces (all at once without pieces). */
  feed(bytes: Buffer, pieces?: Buffer[]): void {
    for (const piece of pieces ?? [bytes]) this.session.receive(Buffer.from(piece));
  }

  /** Runs the connection sequence; the client is then in the command interface. */
  handshake(): void {
    this.session.start();
    this.feed(this.handshakeReplies());
    assert.deepEqual(this.takeEvents(), [{ kind: 'ready' }]);
    assert.deepEqual(this.takeSent(), [VERSION, `SEALED:${this.key.toString('latin1')}`, HASH]);
  }

  /** Handshake, then XS_GATEWAY and `identity` accepted: the client is in a stay. */
  enterGateway(identity = 'alice'): void {
    this.handshake();
    this.session.enterGateway(Buffer.from(identity));
    this.feed(Buffer.concat([this.frame(OK), this.frame(OK)]));
    assert.deepEqual(this.takeEvents(), [{ kind: 'entered' }]);
    assert.deepEqual(this.takeSent(), ['XS_GATEWAY', identity]);
  }

  /** Removes and returns the events so far. */
  takeEvents(): ClientEvent[] {
    return this.events.splice(0);
  }

  /** Removes and returns what the client wrote so far, decoded. */
  takeSent(): Sent[] {
    return this.sent.splice(0);
  }

  /** Decodes bytes enciphered with the client's transmit state, as the server would read them. */
  read(bytes: Buffer): Sent[] {
    this.rx.push(Buffer.from(bytes));
    const out: Sent[] = [];
    for (let got = this.rx.next(BUFFER_SIZE); got.kind === 'frame'; got = this.rx.next(BUFFER_SIZE)) {
      out.push(got.payload === null ? got.length : got.payload.toString('latin1'));
      if (++this.framesRead === 2) this.rx.cipher = new StreamCipher(this.key);
    }
    return out;
  }

  private onWrite(bytes: Buffer): void {
    this.writes.push(Buffer.from(bytes));
    this.sent.push(...this.read(bytes));
    assert.equal(this.rx.inFrame, false, 'a write is not a whole number of frames');
  }
}
