/**
 * The promise-shaped client over one socket: it turns calls into steps of the
 * pure client-session (src/protocol/client-session.ts) and the session's events
 * into settled promises and gateway peer events. The protocol itself (what is
 * written, which frame answers what) is the session's; the order of calls, the
 * errors callers see and the stay's peer object are this file's.
 */
import { randomBytes } from 'node:crypto';
import {
  type ClientEvent,
  ClientSession,
  type ClientSessionHost,
  type ClientSessionOptions,
} from '../protocol/client-session';
import { identityProblem, toBytes } from '../protocol/frame';
import { type Deferred, deferred } from './deferred';
import { TfConnectionError, TfReplyError, TfStateError } from './errors';
import { GatewayPeer, type GatewayPeerOptions, type GatewayReceiver } from './gateway-peer';
import type { Wire } from './wire';

/** The open stay: its peer's receiver, and the leave waiting for its token. */
interface Stay {
  receiver: GatewayReceiver | null;
  left: Deferred<void> | null;
}

/** `enterGateway` waiting for the stay to open. */
interface Entry {
  identity: Buffer;
  options: GatewayPeerOptions;
  done: Deferred<GatewayPeer>;
}

/**
 * An authenticated TFProtocol connection in the command interface (create it with
 * `connect`). Calls take effect strictly in the order they are made: commands are
 * pipelined (each is written as soon as the calls before it have been written)
 * and replies are matched in order; entering the gateway waits for its answers
 * before anything after it is written.
 *
 * While a `GatewayPeer` is open, commands are refused. Once `leave()` has been
 * called they are accepted again: they are written after the leave sequence and
 * answered after it completes.
 */
export class TfClient {
  private readonly session: ClientSession;
  /** Settles when the previous call has written what it had to write. */
  private turn: Promise<unknown> = Promise.resolve();
  private readonly replies = new Map<number, Deferred<Buffer>>();
  private entry: Entry | null = null;
  private stay: Stay | null = null;
  private ending = false;

  /** Starts the connection sequence on `wire`; `ready` settles when it is over. */
  constructor(
    private readonly wire: Wire,
    options: ClientSessionOptions,
    private ready: Deferred<void> | null,
  ) {
    const host: ClientSessionHost = {
      write: (bytes) => {
        wire.send(bytes);
      },
      event: (event) => this.onEvent(event),
    };
    this.session = new ClientSession(options, host);
    wire.attach({
      data: (chunk) => this.session.receive(chunk),
      closed: (error, expected) => this.onClosed(error, expected),
    });
    if (!wire.closed) this.session.start();
  }

  /** True once the connection is gone. */
  get closed(): boolean {
    return this.wire.closed;
  }

  /** True while a gateway stay is open or being left. */
  get inGateway(): boolean {
    return this.stay !== null;
  }

  /** Sends one command and resolves with the text of its reply. */
  command(text: string): Promise<string> {
    return this.inTurn(() => ({ reply: this.request(text) })).then(async ({ reply }) =>
      (await reply).toString('utf8'),
    );
  }

  /**
   * Enters the gateway under `identity` (1 to 524287 bytes): `XS_GATEWAY`, then the
   * identity, each answered by `OK`. Any other answer rejects with `TfReplyError`
   * (`code` set for `FAILED` replies) and leaves the client in command mode.
   */
  enterGateway(identity: Uint8Array | string, options: GatewayPeerOptions = {}): Promise<GatewayPeer> {
    const id = Buffer.from(toBytes(identity));
    const problem = identityProblem(id);
    if (problem) return Promise.reject(new RangeError(problem));
    return this.inTurn(() => {
      this.checkCommands();
      const entry: Entry = { identity: id, options, done: deferred<GatewayPeer>() };
      this.entry = entry;
      this.session.enterGateway(id);
      return entry.done.promise;
    });
  }

  /**
   * Sends `END` (leaving the gateway first with a bare -1 when a stay is open and
   * not being left) and resolves once the server has closed the connection.
   */
  end(): Promise<void> {
    if (!this.ending && !this.wire.closed) {
      this.ending = true;
      this.afterTurn(() => {
        if (this.wire.closed) return;
        this.session.end();
        this.wire.end();
      });
    }
    return this.wire.done;
  }

  /** Drops the connection at once; everything pending rejects. */
  close(): void {
    this.ending = true;
    this.wire.destroy();
  }

  /**
   * Runs `step` after every earlier call has written its bytes. A step returns
   * what it has to wait for wrapped in an object, so that the next call does not
   * wait for it too.
   */
  private inTurn<T>(step: () => T | Promise<T>): Promise<T> {
    if (this.ending) return Promise.reject(new TfStateError('the client is closing'));
    const result = this.turn.then(step);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** Queues a write that nobody awaits; the turn chain itself never rejects. */
  private afterTurn(write: () => void): void {
    this.turn = this.turn.then(write).catch(() => undefined);
  }

  /** Throws what a caller must see when a command cannot be written now. */
  private checkCommands(): void {
    const closed = this.wire.closeError;
    if (closed) throw closed;
    if (!this.session.acceptsCommands) {
      throw new TfStateError('inside the gateway: leave it before sending commands');
    }
  }

  /** Writes a command now and returns the promise of its reply. */
  private request(text: string): Promise<Buffer> {
    this.checkCommands();
    const reply = deferred<Buffer>();
    this.replies.set(this.session.command(text), reply);
    return reply.promise;
  }

  private leave(stay: Stay): Promise<void> {
    stay.left = deferred<void>();
    // Whoever asked holds this promise; a rejection nobody awaits is not an error here.
    stay.left.promise.catch(() => undefined);
    this.afterTurn(() => {
      if (this.stay === stay && this.session.inStay && !this.wire.closed) {
        this.session.leave(`tfgw-leave-${randomBytes(16).toString('hex')}`);
      }
    });
    return stay.left.promise;
  }

  private onEvent(event: ClientEvent): void {
    switch (event.kind) {
      case 'ready':
        this.ready?.resolve();
        this.ready = null;
        return;
      case 'refused':
        this.failStep(new TfReplyError(event.step, event.reply));
        return;
      case 'reply':
        this.replies.get(event.id)?.resolve(event.payload);
        this.replies.delete(event.id);
        return;
      case 'entered':
        this.entered();
        return;
      case 'delivery':
        this.stay?.receiver?.message(event.payload);
        return;
      case 'left':
        this.left();
        return;
      case 'violation':
        this.wire.destroy(new TfConnectionError(event.reason));
        return;
    }
  }

  /** Rejects the connection sequence or the gateway entry waiting for its answer. */
  private failStep(error: Error): void {
    const waiting = this.ready ?? this.entry?.done;
    this.ready = null;
    this.entry = null;
    waiting?.reject(error);
  }

  /** Runs synchronously on the identity reply, so deliveries right behind it reach the peer. */
  private entered(): void {
    const entry = this.entry!;
    this.entry = null;
    const stay: Stay = { receiver: null, left: null };
    this.stay = stay;
    const peer = new GatewayPeer(
      entry.identity,
      {
        send: (destination, message) => this.sendInStay(destination, message),
        leave: () => this.leave(stay),
        bind: (receiver) => {
          stay.receiver = receiver;
        },
      },
      entry.options,
    );
    entry.done.resolve(peer);
  }

  private sendInStay(destination: Uint8Array, message: Uint8Array): Promise<void> {
    if (!this.session.inStay) {
      return Promise.reject(this.wire.closeError ?? new TfConnectionError('connection is closing'));
    }
    return this.wire.write(this.session.encodeSend(destination, message));
  }

  private left(): void {
    const stay = this.stay;
    this.stay = null;
    stay?.receiver?.end(null, true);
    stay?.left?.resolve();
  }

  private onClosed(error: Error, expected: boolean): void {
    this.session.abort();
    const replies = [...this.replies.values()];
    this.replies.clear();
    for (const reply of replies) reply.reject(error);
    this.failStep(error);
    const stay = this.stay;
    this.stay = null;
    stay?.receiver?.end(expected ? null : error, false);
    stay?.left?.reject(error);
  }
}
