/**
 * A deliberately low-level client for tests that must send what a well-behaved
 * client never would: wrong keys, bare headers, oversized lengths, half frames.
 */
import { constants, publicEncrypt, randomBytes } from 'node:crypto';
import { type Socket, connect } from 'node:net';
import { StreamCipher } from '../../src/protocol/cipher/stream';
import { FrameReader, encodeFrame, encodeSignal } from '../../src/protocol/frame';

export class RawClient {
  readonly reader = new FrameReader();
  tx: StreamCipher | null = null;
  private frames: Buffer[] = [];
  private waiters: ((f: Buffer | null) => void)[] = [];
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      for (;;) {
        const r = this.reader.next(1 << 20);
        if (r.kind !== 'frame') break;
        this.frames.push(r.payload ?? Buffer.alloc(0));
      }
      while (this.waiters.length > 0 && this.frames.length > 0) this.waiters.shift()!(this.frames.shift()!);
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) w(null);
        resolve();
      }),
    );
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** The next frame's payload, or null once the server has closed. */
  next(ms = 5000): Promise<Buffer | null> {
    if (this.frames.length > 0) return Promise.resolve(this.frames.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame in time')), ms);
      this.waiters.push((f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  async text(ms?: number): Promise<string | null> {
    const f = await this.next(ms);
    return f === null ? null : f.toString();
  }

  send(payload: string | Uint8Array): void {
    this.socket.write(encodeFrame(payload, this.tx));
  }

  signal(value: number): void {
    this.socket.write(encodeSignal(value, this.tx));
  }

  raw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The whole connection sequence with a session key of `keyLength` bytes. */
  async handshake(publicKey: string, hash: string, keyLength = 32): Promise<void> {
    this.send('0.0');
    if ((await this.text()) !== 'OK') throw new Error('version refused');
    const key = randomBytes(keyLength);
    this.send(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key));
    if ((await this.text()) !== 'OK') throw new Error('key refused');
    this.tx = new StreamCipher(key);
    this.reader.cipher = new StreamCipher(key);
    this.send(hash);
    if ((await this.text()) !== 'OK') throw new Error('hash refused');
  }

  close(): void {
    this.socket.destroy();
  }
}
