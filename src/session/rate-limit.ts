/**
 * A token bucket over bytes received from one client. When the client sends
 * faster than the limit, the connection stops reading for as long as it takes to
 * earn the bytes back, so TCP pushes back on the client and no other session
 * notices. The bucket holds one second of traffic or one largest frame, whichever
 * is more, so a single big message is never refused outright.
 */
import { BUFFER_SIZE, HEADER_SIZE } from '../protocol/limits';

export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = Math.max(bytesPerSecond, 2 * (BUFFER_SIZE + HEADER_SIZE));
    this.tokens = this.capacity;
    this.last = now();
  }

  /** Takes `bytes`; returns how many milliseconds reading should pause (0: none). */
  take(bytes: number): number {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) * this.bytesPerSecond) / 1000);
    this.last = t;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.bytesPerSecond);
  }
}
