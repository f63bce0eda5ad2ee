import { encodeFrame, encodeSignal } from '../protocol/frame';
import { GATEWAY_EXIT } from '../protocol/limits';
import { OK } from '../protocol/replies';
import { TfConnectionError, TfReplyError, TfStateError } from './errors';
import { identityProblem, toBytes } from './gateway-frame';
import { GatewayPeer, type GatewayPeerOptions } from './gateway-peer';
import { GatewayStay } from './gateway-stay';
import type { ReplyQueue } from './reply-queue';
import type { Wire } from './wire';

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
  /** Settles when the previous call has written what it had to write. */
  private turn: Promise<unknown> = Promise.resolve();
  private session: GatewayStay | null = null;
  private ending = false;

  constructor(
    private readonly wire: Wire,
    private readonly replies: ReplyQueue,
  ) {
    wire.attach({
      frame: (payload) => this.onFrame(payload),
      closed: (error, expected) => this.onClosed(error, expected),
    });
  }

  /** True once the connection is gone. */
  get closed(): boolean {
    return this.wire.closed;
  }

  /** True while a gateway stay is open or being left. */
  get inGateway(): boolean {
    return this.session !== null;
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
    return this.inTurn(async () => {
      const answer = (await this.request('XS_GATEWAY')).toString('utf8');
      if (answer !== OK) throw new TfReplyError('XS_GATEWAY', answer);
      const claimed = this.replies.expectWith((payload) => this.openGateway(id, payload, options));
      this.wire.send(encodeFrame(id, this.wire.tx));
      return claimed;
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
        const tx = this.wire.tx;
        if (this.session && !this.session.exitWritten) this.wire.send(encodeSignal(GATEWAY_EXIT, tx));
        this.wire.send(encodeFrame('END', tx));
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

  /** Writes a command now and returns the promise of its reply. */
  private request(text: string): Promise<Buffer> {
    const closed = this.wire.closeError;
    if (closed) throw closed;
    if (this.session && !this.session.exitWritten) {
      throw new TfStateError('inside the gateway: leave it before sending commands');
    }
    const reply = this.replies.expect();
    this.wire.send(encodeFrame(text, this.wire.tx));
    return reply;
  }

  /** Runs synchronously on the identity reply, so deliveries right behind it reach the peer. */
  private openGateway(identity: Buffer, payload: Buffer, options: GatewayPeerOptions): GatewayPeer {
    const reply = payload.toString('utf8');
    if (reply !== OK) throw new TfReplyError('gateway identity', reply);
    const session = new GatewayStay();
    const wire = this.wire;
    const peer = new GatewayPeer(
      identity,
      {
        get tx() {
          return wire.tx!;
        },
        write: (bytes) => wire.write(bytes),
        leave: () => this.leaveGateway(session),
        bind: (receiver) => session.bind(receiver),
      },
      options,
    );
    this.session = session;
    return peer;
  }

  private leaveGateway(session: GatewayStay): Promise<void> {
    const left = session.requestLeave();
    this.afterTurn(() => {
      const tx = this.wire.tx;
      if (this.session === session && tx) this.wire.send(session.leaveSequence(tx));
    });
    return left;
  }

  /** Queues a write that nobody awaits; the turn chain itself never rejects. */
  private afterTurn(write: () => void): void {
    this.turn = this.turn.then(write).catch(() => undefined);
  }

  private onFrame(payload: Buffer): void {
    const session = this.session;
    if (session) {
      if (!session.accept(payload)) this.session = null;
      return;
    }
    if (!this.replies.deliver(payload)) {
      this.wire.destroy(new TfConnectionError('server sent a frame that answers no request'));
    }
  }

  private onClosed(error: Error, expected: boolean): void {
    this.replies.failAll(error);
    const session = this.session;
    this.session = null;
    session?.close(error, expected);
  }
}
