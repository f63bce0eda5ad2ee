/**
 * The progress line: one line on stderr, rewritten in place every 500 ms while
 * a run goes on, and cleared when it ends so the final table starts clean.
 */
import { nowMs } from './clock';

const INTERVAL_MS = 500;

export class ProgressLine {
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private shown = false;

  /** `enabled` defaults to whether stderr is a terminal. */
  constructor(
    private readonly render: (elapsedS: number) => string,
    private readonly enabled: boolean = process.stderr.isTTY === true,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  start(): this {
    this.startedAt = nowMs();
    if (this.enabled && !this.timer) {
      this.timer = setInterval(() => this.draw(), INTERVAL_MS);
      this.timer.unref();
    }
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }

  private draw(): void {
    const line = this.render((nowMs() - this.startedAt) / 1000);
    this.out.write(`\r${line}\x1b[K`);
    this.shown = true;
  }
}
