/**
 * Reading one message file whole. Most messages are small: they are read with
 * one call into a buffer the reader reuses (a short read is the end of a regular
 * file), so a delivery allocates nothing; bigger ones get a buffer of their own.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Messages up to this size are read into the one reused buffer. */
const SCRATCH_BYTES = 256 * 1024;

export class MessageFileReader {
  private scratch: Buffer | null = null;

  /** The file's bytes; a small file's are only valid until the next `read`. */
  read(file: string): Buffer {
    const fd = openSync(file, 'r');
    try {
      this.scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
      const scratch = this.scratch;
      const got = readSync(fd, scratch, 0, scratch.length, 0);
      if (got < scratch.length) return scratch.subarray(0, got);
      return readRest(fd, scratch, got);
    } finally {
      closeSync(fd);
    }
  }
}

/** A file bigger than the scratch buffer: its first `got` bytes are in `head`. */
function readRest(fd: number, head: Buffer, got: number): Buffer {
  const size = fstatSync(fd).size;
  const whole = Buffer.allocUnsafe(size);
  head.copy(whole, 0, 0, got);
  let done = got;
  while (done < size) {
    const n = readSync(fd, whole, done, size - done, done);
    if (n === 0) break;
    done += n;
  }
  return whole.subarray(0, done);
}
