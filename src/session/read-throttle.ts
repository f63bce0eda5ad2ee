/**
 * When reading from a client pauses: while our output to it backs up (a client
 * that sends without reading must not make us buffer without end), and for as
 * long as the inbound rate limit says (see rate-limit.ts). Pausing the socket
 * lets TCP push back on the client; no other session notices.
 */
import type { Socket } from 'node:net';
import { RateLimiter } from './rate-limit';

/** The client's input is paused while this much of our output waits for it. */
export const OUTPUT_BACKLOG = 8 * 1024 * 1024;

export class ReadThrottle {
  private readonly limiter: RateLimiter | null;
  /** Reading stays paused until then (performance.now() ms) by the rate limit. */
  private heldUntil = 0;

  constructor(
    private readonly socket: Socket,
    /** Bytes per second the client may send; 0: no limit. */
    bytesPerSecond: number,
    /** Called each time the rate limit pauses reading. */
    private readonly limited: () => void,
    /** True once the connection is ending: reading is then never resumed. */
    private readonly closing: () => boolean,
  ) {
    this.limiter = bytesPerSecond > 0 ? new RateLimiter(bytesPerSecond) : null;
  }

  /** `bytes` were read from the client (and handled). */
  received(bytes: number): void {
    const socket = this.socket;
    if (socket.writableLength > OUTPUT_BACKLOG) socket.pause();
    const wait = this.limiter?.take(bytes) ?? 0;
    if (wait > 0 && !this.closing()) {
      this.heldUntil = performance.now() + wait;
      socket.pause();
      this.limited();
      setTimeout(() => {
        if (!this.closing() && socket.writableLength <= OUTPUT_BACKLOG) socket.resume();
      }, wait).unref();
    }
  }

  /** Our output to the client has drained: read again unless the rate limit still holds. */
  drained(): void {
    if (this.socket.isPaused() && performance.now() >= this.heldUntil) this.socket.resume();
  }
}
