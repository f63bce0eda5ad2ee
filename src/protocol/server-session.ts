/**
 * The server side of one TFProtocol connection as a pure state machine: bytes in,
 * frames and decisions out. It owns the framing and both cipher directions, so
 * every byte written for this connection (replies and gateway deliveries) is
 * enciphered here, in the order it is produced. The shell around it supplies RSA,
 * the socket, the spool and the clock through `SessionHost`.
 */
import { timingSafeEqual } from 'node:crypto';
import { type CipherEngine, isDegenerateKey } from './cipher/stream';
import { createCipher } from './cipher';
import { type CommandContext, parseCommand, runCommand } from './commands';
import { FrameReader, decodeGatewayPart, encodeFrame, gatewayLimit } from './frame';
import { BUFFER_SIZE, GATEWAY_EXIT, MAX_IDENTITY, MAX_SESSION_KEY, MIN_SESSION_KEY } from './limits';
import {
  FAILED_ACCESS_DENIED,
  FAILED_BAD_HASH,
  FAILED_BAD_KEY,
  FAILED_INCOMPATIBLE,
  OK,
} from './replies';

export interface ServerSessionOptions {
  /** The protocol version string clients must send. */
  version: string;
  /** The shared hash string clients must send after the key exchange. */
  hash: string;
  /** Accept session keys whose seed degenerates (see `isDegenerateKey`). */
  acceptDegenerateKeys: boolean;
  /** Largest frame accepted before the hash is verified. */
  handshakeFrameLimit: number;
}

export type Phase =
  | 'version'
  | 'key'
  | 'hash'
  | 'command'
  | 'gw-identity'
  | 'gw-claiming'
  | 'gw-leaving'
  | 'gw-destination'
  | 'gw-message'
  | 'closed';

export interface SessionHost extends CommandContext {
  /** RSA-decrypts the session key blob; null when it is not a valid ciphertext. */
  decryptSessionKey(blob: Buffer): Buffer | null;
  /** Sends bytes that are already framed and enciphered. */
  write(bytes: Buffer): void;
  /** Ends the connection. `violation` marks a client that broke the protocol. */
  close(reason: string, violation: boolean): void;
  /** Starts claiming a gateway identity; answer with `ServerSession.identityResult`. */
  claimIdentity(identity: Buffer): void;
  /** A gateway message from this client for `destination`. */
  relay(destination: Buffer, message: Buffer): void;
  /**
   * The client left the gateway with -1. Return true to hold the command
   * interface until `ServerSession.leftGateway` (the identity is being given up),
   * so that whatever the client sends after its -1 is answered once it is gone.
   */
  leaveGateway(): boolean;
}

export class ServerSession {
  private readonly reader = new FrameReader();
  private tx: CipherEngine | null = null;
  private state: Phase = 'version';
  private destination: Buffer | null = null;

  constructor(
    private readonly options: ServerSessionOptions,
    private readonly host: SessionHost,
  ) {}

  get phase(): Phase {
    return this.state;
  }

  /** True once the hash has been accepted. */
  get authenticated(): boolean {
    return !['version', 'key', 'hash', 'closed'].includes(this.state);
  }

  /** True while gateway deliveries may be written to this client. */
  get inGateway(): boolean {
    return this.state === 'gw-destination' || this.state === 'gw-message';
  }

  /** True while a frame from the client is partly received. */
  get midFrame(): boolean {
    return this.reader.inFrame;
  }

  /** Feeds bytes received from the client. */
  receive(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.reader.push(chunk);
    this.pump();
  }

  /** Frames and enciphers a gateway delivery; null when the client is not in the gateway. */
  encodeDelivery(message: Uint8Array): Buffer | null {
    if (!this.inGateway || !this.tx) return null;
    return encodeFrame(message, this.tx);
  }

  /** Completes an identity claim started by `SessionHost.claimIdentity`. */
  identityResult(reply: string): void {
    if (this.state !== 'gw-claiming') return;
    this.send(reply);
    this.state = reply === OK ? 'gw-destination' : 'command';
    this.pump();
  }

  /** Completes a leave that `SessionHost.leaveGateway` held: the command interface goes on. */
  leftGateway(): void {
    if (this.state !== 'gw-leaving') return;
    this.state = 'command';
    this.pump();
  }

  /** Marks the session closed without a reply (the socket went away). */
  abort(): void {
    this.state = 'closed';
  }

  private send(text: string | Buffer): void {
    this.host.write(encodeFrame(text, this.tx));
  }

  private fail(reply: string | null, reason: string, violation: boolean): void {
    if (reply !== null) this.send(reply);
    this.state = 'closed';
    this.host.close(reason, violation);
  }

  private limit(): number {
    switch (this.state) {
      case 'version':
      case 'key':
      case 'hash':
        return this.options.handshakeFrameLimit;
      case 'gw-identity':
        return MAX_IDENTITY;
      case 'gw-destination':
        return gatewayLimit('destination');
      case 'gw-message':
        return gatewayLimit('message');
      default:
        return BUFFER_SIZE;
    }
  }

  private pump(): void {
    // A claim or a leave in progress holds the client's next frames until it is done.
    while (this.state !== 'closed' && this.state !== 'gw-claiming' && this.state !== 'gw-leaving') {
      const got = this.reader.next(this.limit());
      if (got.kind === 'partial') return;
      if (got.kind === 'oversized') {
        this.oversized(got.length);
        return;
      }
      this.handle(got.length, got.payload);
    }
  }

  private oversized(length: number): void {
    const what = `frame of ${length} bytes exceeds the limit in phase ${this.state}`;
    switch (this.state) {
      case 'version':
        this.fail(FAILED_INCOMPATIBLE, what, true);
        return;
      case 'key':
        this.fail(FAILED_BAD_KEY, what, true);
        return;
      case 'hash':
        this.fail(FAILED_BAD_HASH, what, true);
        return;
      default:
        this.fail(null, what, true);
        return;
    }
  }

  private handle(length: number, payload: Buffer | null): void {
    switch (this.state) {
      case 'version':
        if (payload === null || stripNul(payload).toString('latin1') !== this.options.version) {
          this.fail(FAILED_INCOMPATIBLE, 'incompatible protocol version', true);
          return;
        }
        this.send(OK);
        this.state = 'key';
        return;
      case 'key':
        this.keyExchange(payload);
        return;
      case 'hash':
        if (payload === null || !equalText(stripNul(payload), this.options.hash)) {
          this.fail(FAILED_BAD_HASH, 'invalid hash string', true);
          return;
        }
        this.send(OK);
        this.state = 'command';
        return;
      case 'command':
        this.command(payload);
        return;
      case 'gw-identity':
        this.identity(length, payload);
        return;
      case 'gw-destination':
      case 'gw-message':
        this.gatewayPart(length, payload);
        return;
      default:
        return;
    }
  }

  private gatewayPart(length: number, payload: Buffer | null): void {
    const part = decodeGatewayPart(this.state === 'gw-message' ? 'message' : 'destination', length, payload);
    switch (part.kind) {
      case 'leave':
        this.state = 'command';
        if (this.host.leaveGateway()) this.state = 'gw-leaving';
        return;
      case 'reserved':
        return;
      case 'destination':
        this.destination = part.destination;
        this.state = 'gw-message';
        return;
      case 'message': {
        const destination = this.destination!;
        this.destination = null;
        this.state = 'gw-destination';
        this.host.relay(destination, part.message);
        return;
      }
      case 'invalid':
        this.fail(null, `gateway message length ${length} is out of range`, true);
        return;
    }
  }

  private keyExchange(blob: Buffer | null): void {
    const key = blob === null ? null : this.host.decryptSessionKey(blob);
    if (key === null || key.length < MIN_SESSION_KEY || key.length > MAX_SESSION_KEY) {
      this.fail(FAILED_BAD_KEY, 'bad session key', true);
      return;
    }
    if (!this.options.acceptDegenerateKeys && isDegenerateKey(key)) {
      this.fail(FAILED_BAD_KEY, 'degenerate session key refused', true);
      return;
    }
    this.send(OK);
    this.reader.cipher = createCipher(key);
    this.tx = createCipher(key);
    this.state = 'hash';
  }

  private command(payload: Buffer | null): void {
    // A bare signal header at the command prompt carries no meaning (a client may
    // send a stray -1 after leaving the gateway twice); it is ignored.
    if (payload === null) return;
    const outcome = runCommand(parseCommand(payload), this.host);
    switch (outcome.kind) {
      case 'reply':
        this.send(outcome.text);
        return;
      case 'end':
        this.state = 'closed';
        this.host.close('client sent END', false);
        return;
      case 'gateway':
        this.send(OK);
        this.state = 'gw-identity';
        return;
    }
  }

  private identity(length: number, payload: Buffer | null): void {
    if (length === GATEWAY_EXIT) {
      // Leaving before registering: the exit signal gets no reply, as in the loop.
      this.state = 'command';
      return;
    }
    if (payload === null || payload.length === 0) {
      this.send(FAILED_ACCESS_DENIED);
      this.state = 'command';
      return;
    }
    this.state = 'gw-claiming';
    this.host.claimIdentity(payload);
  }
}

function stripNul(payload: Buffer): Buffer {
  const end = payload.indexOf(0);
  return end < 0 ? payload : payload.subarray(0, end);
}

function equalText(got: Buffer, expected: string): boolean {
  const want = Buffer.from(expected, 'utf8');
  if (got.length !== want.length) return false;
  // Constant-time compare: the hash is a shared secret.
  return timingSafeEqual(got, want);
}
