/**
 * The caller's handle on one stay in the gateway: sends, the delivered messages
 * (as events and as a pull queue) and the leave. The client that owns the
 * connection does the protocol; the peer only holds the stay's state for callers.
 */
import { EventEmitter } from 'node:events';
import { identityProblem, messageProblem, toBytes } from '../protocol/frame';
import { TfStateError } from './errors';
import { MessageStream } from './message-stream';

/** Where the owning client hands a gateway peer what arrives for it. */
export interface GatewayReceiver {
  /** One delivered message. */
  message(payload: Buffer): void;
  /** The stay is over: `left` after a completed leave, otherwise the connection closed. */
  end(error: Error | null, left: boolean): void;
}

/** What a `GatewayPeer` needs from the client that owns the connection. */
export interface GatewayLink {
  /** Enciphers and writes one gateway send; resolves once the socket has accepted the bytes. */
  send(destination: Uint8Array, message: Uint8Array): Promise<void>;
  /** Runs the leave sequence; resolves when the client is back in command mode. */
  leave(): Promise<void>;
  /** Registers the receiver; called once, by the peer's constructor. */
  bind(receiver: GatewayReceiver): void;
}

export interface GatewayPeerOptions {
  /**
   * Keep deliveries for `messages()`, `receive()` and `for await` (default true).
   * Turn it off when only 'message' listeners consume them, so nothing piles up.
   */
  buffer?: boolean;
}

/** `open` in the gateway; `leaving` after `leave()`; `left` back in command mode; `closed` connection gone. */
export type GatewayPeerState = 'open' | 'leaving' | 'left' | 'closed';

export type GatewayPeerEvents = {
  /** A delivered message (possibly empty). */
  message: [payload: Buffer];
  /** The stay is over: null after a leave or a close by this side, the error when the connection failed. */
  end: [error: Error | null];
};

/**
 * This client inside the gateway under `identity`. Deliveries arrive at any time,
 * also while sending, as 'message' events and (unless `buffer` is off) in an
 * unbounded queue read by `for await (const m of peer)`, `messages()` or
 * `receive(n)`. The queue has one logical reader: concurrent loops share it.
 */
export class GatewayPeer extends EventEmitter<GatewayPeerEvents> implements AsyncIterable<Buffer> {
  readonly identity: Buffer;
  private current: GatewayPeerState = 'open';
  private closeError: Error | null = null;
  private leaving: Promise<void> | null = null;
  private readonly inbox: MessageStream | null;

  constructor(
    identity: Buffer,
    private readonly link: GatewayLink,
    options: GatewayPeerOptions = {},
  ) {
    super();
    this.identity = identity;
    this.inbox = options.buffer === false ? null : new MessageStream();
    link.bind({
      message: (payload) => this.onMessage(payload),
      end: (error, left) => this.onEnd(error, left),
    });
  }

  get state(): GatewayPeerState {
    return this.current;
  }

  /** Messages received and not yet read from the queue. */
  get buffered(): number {
    return this.inbox?.size ?? 0;
  }

  /**
   * Sends `message` (0 to 524288 bytes) to the peer registered as `destination`.
   * There is no acknowledgement: a message for an absent identity is lost. Resolves
   * once the socket has accepted the bytes, so a sender that awaits every call
   * never buffers more than the socket's high-water mark.
   */
  send(destination: Uint8Array | string, message: Uint8Array | string): Promise<void> {
    if (this.current !== 'open') {
      return Promise.reject(this.closeError ?? new TfStateError(`cannot send: gateway peer is ${this.current}`));
    }
    const dest = toBytes(destination);
    const body = toBytes(message);
    const problem = identityProblem(dest) ?? messageProblem(body);
    if (problem) return Promise.reject(new RangeError(problem));
    return this.link.send(dest, body);
  }

  /** Iterates the delivered messages; ends after `leave()`, throws if the connection fails. */
  messages(): AsyncIterableIterator<Buffer> {
    return this.queue()[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this.messages();
  }

  /** Resolves with the next `count` delivered messages. */
  receive(count = 1): Promise<Buffer[]> {
    try {
      return this.queue().take(count);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Leaves the gateway. Messages that were already on their way still reach the
   * queue and the 'message' listeners; the promise resolves once the last of them
   * has been handed over and the client is back in command mode.
   */
  leave(): Promise<void> {
    if (this.leaving) return this.leaving;
    if (this.current === 'left') return Promise.resolve();
    if (this.current === 'closed') {
      return Promise.reject(this.closeError ?? new TfStateError('cannot leave: the connection is closed'));
    }
    this.current = 'leaving';
    this.leaving = this.link.leave();
    return this.leaving;
  }

  private queue(): MessageStream {
    if (!this.inbox) throw new TfStateError('this gateway peer was opened with buffer: false');
    return this.inbox;
  }

  private onMessage(payload: Buffer): void {
    this.inbox?.push(payload);
    this.emit('message', payload);
  }

  private onEnd(error: Error | null, left: boolean): void {
    this.current = left ? 'left' : 'closed';
    this.closeError = error;
    this.inbox?.end(error);
    this.emit('end', error);
  }
}
