/**
 * When reading from a client pauses: while our output to it backs up (a client
 * that sends without reading must not make us buffer without end), for as long
 * as the inbound rate limit says (see rate-limit.ts), and while the protocol holds
 * the client's frames (an identity being claimed or given up: nothing is parsed
 * then, so nothing more may be read either, or it would pile up unbounded). Pausing the socket
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
  /** Holds in force (`hold` … `release`; a claim's answer may start a leave before the claim's hold is released). */
  private holds = 0;

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
        if (!this.closing() && this.holds === 0 && socket.writableLength <= OUTPUT_BACKLOG) socket.resume();
      }, wait).unref();
    }
  }

  /** Our output to the client has drained: read again unless the rate limit still holds. */
  drained(): void {
    if (this.socket.isPaused() && this.holds === 0 && performance.now() >= this.heldUntil) this.socket.resume();
  }

  /** Stops reading from the socket until `release`: the kernel's buffers and then TCP hold what the client sends. */
  hold(): void {
    this.holds++;
    this.socket.pause();
  }

  /** Reads again after as many `release`s as `hold`s, unless the output backlog or the rate limit still pause it. */
  release(): void {
    if (this.holds === 0 || --this.holds > 0) return;
    if (this.closing() || this.socket.writableLength > OUTPUT_BACKLOG) return;
    if (performance.now() >= this.heldUntil) this.socket.resume();
  }
}
