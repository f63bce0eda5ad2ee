/** The pull side of a gateway peer: delivered messages queued for `for await` and `take`. */
import { type Deferred, deferred } from './deferred';

/**
 * An unbounded FIFO of received messages with a pull interface: async iteration
 * and `take(count)`. Messages pushed before anyone reads are kept. Breaking out of
 * a `for await` loop does not end the stream; a later loop continues where the
 * previous one stopped. After `end`, the remaining messages are still handed
 * out; then iteration finishes, or throws once when the stream ended with an error.
 */
export class MessageStream implements AsyncIterable<Buffer> {
  private items: Buffer[] = [];
  private head = 0;
  private readers: Deferred<IteratorResult<Buffer>>[] = [];
  private ended = false;
  private error: Error | null = null;

  /** Messages received and not yet read. */
  get size(): number {
    return this.items.length - this.head;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  push(message: Buffer): void {
    if (this.ended) return;
    const reader = this.readers.shift();
    if (reader) reader.resolve({ value: message, done: false });
    else this.items.push(message);
  }

  /** No more messages will come; `error` makes readers fail once the buffer is drained. */
  end(error: Error | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    const readers = this.readers;
    this.readers = [];
    for (const reader of readers) this.finish(reader);
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.head < this.items.length) return Promise.resolve({ value: this.shift(), done: false });
    const reader = deferred<IteratorResult<Buffer>>();
    if (this.ended) this.finish(reader);
    else this.readers.push(reader);
    return reader.promise;
  }

  /** Resolves with the next `count` messages; rejects if the stream ends first. */
  async take(count: number): Promise<Buffer[]> {
    const out: Buffer[] = [];
    while (out.length < count) {
      const got = await this.next();
      if (got.done) throw new Error(`message stream ended after ${out.length} of ${count} messages`);
      out.push(got.value);
    }
    return out;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    const iterator: AsyncIterableIterator<Buffer> = {
      next: () => this.next(),
      return: () => Promise.resolve({ value: undefined, done: true }),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private shift(): Buffer {
    const item = this.items[this.head]!;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private finish(reader: Deferred<IteratorResult<Buffer>>): void {
    const error = this.error;
    this.error = null;
    if (error) reader.reject(error);
    else reader.resolve({ value: undefined, done: true });
  }
}
