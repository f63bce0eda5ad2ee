/**
 * The client side of one TFProtocol session as a pure state machine, the mirror
 * of `ServerSession`: bytes from the server go in through `receive`, framed and
 * enciphered bytes come out through `ClientSessionHost.write`, and what the shell
 * must act on comes out as `ClientEvent`s, in wire order. It runs the connection
 * sequence, matches command replies to requests in order, and routes the frames
 * of a gateway stay. No sockets, timers or randomness: the shell draws and seals
 * the session key and draws the leave token.
 */
import { createCipher } from './cipher';
import type { CipherEngine } from './cipher/stream';
import { FrameReader, encodeFrame, encodeGatewaySend, encodeLeaveSequence, encodeSignal } from './frame';
import { BUFFER_SIZE, GATEWAY_EXIT } from './limits';
import { OK } from './replies';

export interface ClientSessionOptions {
  /** The protocol version string the server expects. */
  version: string;
  /** The shared hash string the server checks after the key exchange. */
  hash: string;
  /** The session key, in the clear: both cipher directions start from it. */
  sessionKey: Uint8Array;
  /** The session key, already RSA-encrypted for the server. */
  sealedKey: Uint8Array;
}

/**
 * `version`, `key`, `hash`: that step of the connection sequence waits for its OK.
 * `command`: frames are replies. `gateway`: in a stay, frames are deliveries.
 * `leaving`: the leave sequence is written; frames are deliveries until its token
 * comes back. `closed`: over. Which replies are due, and in what order, is the
 * queue of answers beside the phase.
 */
export type ClientPhase = 'version' | 'key' | 'hash' | 'command' | 'gateway' | 'leaving' | 'closed';

/** A reply the session waits for: a command's, or one of the two steps into the gateway. */
type Answer = { kind: 'command'; id: number } | { kind: 'gw-request' } | { kind: 'gw-identity' };

/** The step names a refusal reports (`TfReplyError` shows them). */
export const STEP_NAMES = {
  version: 'protocol version',
  key: 'session key',
  hash: 'hash',
  'gw-request': 'XS_GATEWAY',
  'gw-identity': 'gateway identity',
} as const;

export type ClientEvent =
  /** The connection sequence is complete: the command interface is ready. */
  | { kind: 'ready' }
  /** A step answered with something other than OK. In the connection sequence the session is then closed. */
  | { kind: 'refused'; step: string; reply: string }
  /** The reply to the command `command()` numbered `id`. */
  | { kind: 'reply'; id: number; payload: Buffer }
  /** The identity was accepted: the stay is open. */
  | { kind: 'entered' }
  /** A message delivered to the stay. */
  | { kind: 'delivery'; payload: Buffer }
  /** The leave token came back: the stay is over, later frames are replies again. */
  | { kind: 'left' }
  /** The server broke the protocol; the session is closed. */
  | { kind: 'violation'; reason: string };

export interface ClientSessionHost {
  /** Sends bytes that are already framed and enciphered, in the order produced. */
  write(bytes: Buffer): void;
  /** Something the shell must act on. */
  event(event: ClientEvent): void;
}

export class ClientSession {
  private readonly reader = new FrameReader();
  private tx: CipherEngine | null = null;
  private state: ClientPhase = 'version';
  /** Replies due, oldest first; `head` indexes the next (an index, not shift(), keeps it linear). */
  private answers: Answer[] = [];
  private head = 0;
  private nextId = 0;
  private started = false;
  /** The identity to claim once XS_GATEWAY is accepted; set from `enterGateway` until the stay opens. */
  private identity: Buffer | null = null;
  private token: Buffer | null = null;
  private ended = false;

  constructor(
    private readonly options: ClientSessionOptions,
    private readonly host: ClientSessionHost,
  ) {}

  get phase(): ClientPhase {
    return this.state;
  }

  /** True from `enterGateway` until the stay opens or the entry is refused. */
  get entering(): boolean {
    return this.identity !== null;
  }

  /**
   * True while a command may be written: in the command interface, or once the
   * leave sequence is out (it is then answered after the token); not while
   * entering the gateway (the server would take it for the identity) nor after END.
   */
  get acceptsCommands(): boolean {
    return !this.ended && !this.entering && (this.state === 'command' || this.state === 'leaving');
  }

  /** True while a stay is open and the leave sequence is not written: sends and the leave are possible. */
  get inStay(): boolean {
    return this.state === 'gateway' && !this.ended;
  }

  /** Writes the first step of the connection sequence, the version. */
  start(): void {
    if (this.started) throw new Error('the session has already started');
    this.started = true;
    this.send(this.options.version);
  }

  /** Writes a command; its reply comes as a 'reply' event with the id returned here. */
  command(text: string): number {
    this.check(this.acceptsCommands, 'write a command');
    const id = this.nextId++;
    this.answers.push({ kind: 'command', id });
    this.send(text);
    return id;
  }

  /** Writes XS_GATEWAY; the identity follows its OK, and the identity's OK opens the stay ('entered'). */
  enterGateway(identity: Buffer): void {
    this.check(this.acceptsCommands, 'enter the gateway');
    this.identity = identity;
    this.answers.push({ kind: 'gw-request' });
    this.send('XS_GATEWAY');
  }

  /** The enciphered gateway send; the caller writes it at once, so the cipher advances in wire order. */
  encodeSend(destination: Uint8Array, message: Uint8Array): Buffer {
    this.check(this.inStay, 'send');
    return encodeGatewaySend(destination, message, this.tx!);
  }

  /** Writes the leave sequence with `token`, a fresh random text the server will echo. */
  leave(token: string): void {
    this.check(this.inStay, 'leave');
    this.token = Buffer.from(token, 'utf8');
    this.state = 'leaving';
    this.host.write(encodeLeaveSequence(token, this.tx!));
  }

  /** Writes END (after a bare -1 when a stay is open and not being left); earlier replies still come. */
  end(): void {
    if (this.ended || this.state === 'closed') return;
    this.ended = true;
    if (this.state === 'gateway') this.host.write(encodeSignal(GATEWAY_EXIT, this.tx));
    this.send('END');
  }

  /** Feeds bytes received from the server. */
  receive(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.reader.push(chunk);
    this.pump();
  }

  /** Handles every complete frame; a handler may close the session, which stops the loop. */
  private pump(): void {
    while (this.state !== 'closed') {
      const got = this.reader.next(BUFFER_SIZE);
      if (got.kind === 'partial') return;
      if (got.kind === 'oversized' || got.payload === null) {
        this.violation(`server sent an invalid frame header (${got.length})`);
        return;
      }
      this.frame(got.payload);
    }
  }

  /** Marks the session closed (the connection went away). */
  abort(): void {
    this.state = 'closed';
  }

  private check(allowed: boolean, what: string): void {
    if (!allowed) throw new Error(`cannot ${what} in phase ${this.state}${this.ended ? ' after END' : ''}`);
  }

  private send(payload: Uint8Array | string): void {
    this.host.write(encodeFrame(payload, this.tx));
  }

  private violation(reason: string): void {
    this.state = 'closed';
    this.host.event({ kind: 'violation', reason });
  }

  private frame(payload: Buffer): void {
    switch (this.state) {
      case 'version':
      case 'key':
      case 'hash':
        this.handshakeReply(this.state, payload);
        return;
      case 'leaving':
        if (this.token?.equals(payload)) {
          this.token = null;
          this.state = 'command';
          this.host.event({ kind: 'left' });
          return;
        }
        this.host.event({ kind: 'delivery', payload });
        return;
      case 'gateway':
        this.host.event({ kind: 'delivery', payload });
        return;
      default:
        this.reply(payload);
    }
  }

  /** A frame in command mode answers the oldest request still due. */
  private reply(payload: Buffer): void {
    const answer = this.answers[this.head];
    if (!answer) {
      this.violation('server sent a frame that answers no request');
      return;
    }
    this.head++;
    if (this.head === this.answers.length) {
      this.answers = [];
      this.head = 0;
    }
    if (answer.kind === 'command') this.host.event({ kind: 'reply', id: answer.id, payload });
    else this.gatewayReply(answer.kind, payload.toString('utf8'));
  }

  private gatewayReply(step: 'gw-request' | 'gw-identity', reply: string): void {
    if (reply !== OK) {
      this.identity = null;
      this.host.event({ kind: 'refused', step: STEP_NAMES[step], reply });
      return;
    }
    if (step === 'gw-request') {
      this.answers.push({ kind: 'gw-identity' });
      this.send(this.identity!);
      return;
    }
    this.identity = null;
    this.state = 'gateway';
    this.host.event({ kind: 'entered' });
  }

  private handshakeReply(step: 'version' | 'key' | 'hash', payload: Buffer): void {
    const reply = payload.toString('utf8');
    if (reply !== OK) {
      this.state = 'closed';
      this.host.event({ kind: 'refused', step: STEP_NAMES[step], reply });
      return;
    }
    switch (step) {
      case 'version':
        this.state = 'key';
        this.send(this.options.sealedKey);
        return;
      case 'key':
        // The key's OK is the last plain frame: from here on both directions are enciphered.
        this.reader.cipher = createCipher(this.options.sessionKey);
        this.tx = createCipher(this.options.sessionKey);
        this.state = 'hash';
        this.send(this.options.hash);
        return;
      case 'hash':
        this.state = 'command';
        this.host.event({ kind: 'ready' });
        return;
    }
  }
}
