/**
 * The client's TCP socket, with nothing of the protocol in it: what it reads goes
 * to the sink as it comes, what it writes is already framed and enciphered (by the
 * client-session). It adds write backpressure, corking of the writes of one turn
 * of the event loop, and one record of how and why the connection closed.
 */
import { type Deferred, deferred } from './deferred';
import { TfConnectionError } from './errors';

/** Where a `Wire` hands what it reads. */
export interface WireSink {
  /** Bytes from the server, as the socket delivered them. */
  data(chunk: Buffer): void;
  /** The connection is gone. `expected` is true when this side closed it on purpose. */
  closed(error: Error, expected: boolean): void;
}

/** The part of `net.Socket` a `Wire` uses (a test can stand in for it). */
export interface WireSocket {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  cork(): void;
  uncork(): void;
  write(bytes: Buffer): boolean;
  end(): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
}

/**
 * Whoever enciphers must write in the same synchronous step, so the transmit
 * cipher advances in wire order.
 */
export class Wire {
  private sink: WireSink | null = null;
  private drain: Deferred<void> | null = null;
  private error: Error | null = null;
  private closedBy: { error: Error; expected: boolean } | null = null;
  private closing = false;
  private corked = false;
  private readonly whenClosed = deferred<void>();

  constructor(private readonly socket: WireSocket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', (error: Error) => {
      this.error ??= error;
    });
    socket.on('close', () => this.onClose());
  }

  get closed(): boolean {
    return this.closedBy !== null;
  }

  /** The error the connection ended with, or null while it is open. */
  get closeError(): Error | null {
    return this.closedBy?.error ?? null;
  }

  /** Resolves once the socket has closed, however that happened. */
  get done(): Promise<void> {
    return this.whenClosed.promise;
  }

  /** Routes data and the close to `sink`; a close that already happened is reported at once. */
  attach(sink: WireSink): void {
    this.sink = sink;
    if (this.closedBy) sink.closed(this.closedBy.error, this.closedBy.expected);
  }

  /** Writes without waiting; false when the connection is already closed. */
  send(bytes: Buffer): boolean {
    if (this.closedBy || this.closing || this.socket.destroyed) return false;
    this.put(bytes);
    return true;
  }

  /**
   * Writes and resolves once the socket has taken the bytes: at once when its
   * buffer is below the high-water mark, otherwise on the next 'drain'.
   */
  write(bytes: Buffer): Promise<void> {
    if (this.closedBy) return Promise.reject(this.closedBy.error);
    if (this.closing || this.socket.destroyed) return Promise.reject(new TfConnectionError('connection is closing'));
    if (this.put(bytes)) return Promise.resolve();
    this.drain ??= deferred<void>();
    return this.drain.promise;
  }

  /**
   * Everything written in one turn of the event loop leaves in one system call:
   * a caller sending many messages at once pays for one write, not one each.
   */
  private put(bytes: Buffer): boolean {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    return this.socket.write(bytes);
  }

  /** Half-closes after the queued bytes; the server is expected to close its side. */
  end(): void {
    this.closing = true;
    this.socket.end();
  }

  /** Tears the connection down. Without an error, the close counts as intended by this side. */
  destroy(error?: Error): void {
    if (this.closedBy) return;
    if (error) this.error ??= error;
    else this.closing = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (!this.closedBy && !this.socket.destroyed) this.sink?.data(chunk);
  }

  private onDrain(): void {
    const waiting = this.drain;
    this.drain = null;
    waiting?.resolve();
  }

  private onClose(): void {
    const expected = this.error === null && this.closing;
    const error =
      this.error ??
      new TfConnectionError(this.closing ? 'connection closed by the client' : 'connection closed by the server');
    this.closedBy = { error, expected };
    const waiting = this.drain;
    this.drain = null;
    waiting?.reject(error);
    this.sink?.closed(error, expected);
    this.whenClosed.resolve();
  }
}
