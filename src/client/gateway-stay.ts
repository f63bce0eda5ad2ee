import { randomBytes } from 'node:crypto';
import type { CipherEngine } from '../protocol/cipher/stream';
import { encodeFrame, encodeSignal } from '../protocol/frame';
import { GATEWAY_EXIT } from '../protocol/limits';
import { type Deferred, deferred } from './deferred';
import type { GatewayReceiver } from './gateway-link';

/**
 * The client's bookkeeping for one stay in the gateway: it routes incoming frames
 * to the peer and recognises the end of the stay.
 *
 * Leaving is racy: the server may already be writing deliveries to this
 * connection when it reads the -1, and it sends nothing to confirm the exit. So
 * the leave sequence is the bare -1 signal followed at once by `ECHO <token>`,
 * with a fresh random token. The server answers the ECHO only after it has left
 * the gateway, and after every delivery it wrote before that. Every frame before
 * the one whose text is exactly the token is therefore a delivered message; the
 * token itself closes the stay, and the frames after it are command replies again.
 */
export class GatewayStay {
  private receiver: GatewayReceiver | null = null;
  private token: Buffer | null = null;
  private requested: Deferred<void> | null = null;

  /** True once the leave sequence has been written; commands written after it are answered after the token. */
  get exitWritten(): boolean {
    return this.token !== null;
  }

  bind(receiver: GatewayReceiver): void {
    this.receiver = receiver;
  }

  /** Marks the leave as requested; the promise settles when the token comes back or the connection ends. */
  requestLeave(): Promise<void> {
    if (!this.requested) {
      this.requested = deferred<void>();
      // Whoever asked holds this promise; a rejection nobody awaits is not an error here.
      this.requested.promise.catch(() => undefined);
    }
    return this.requested.promise;
  }

  /** The bytes that leave the gateway: -1, then the ECHO of a fresh token, enciphered in that order. */
  leaveSequence(tx: CipherEngine): Buffer {
    const token = `tfgw-leave-${randomBytes(16).toString('hex')}`;
    this.token = Buffer.from(token, 'utf8');
    return Buffer.concat([encodeSignal(GATEWAY_EXIT, tx), encodeFrame(`ECHO ${token}`, tx)]);
  }

  /** Takes one incoming frame; false when it was the leave token and the stay is over. */
  accept(payload: Buffer): boolean {
    if (this.token?.equals(payload)) {
      this.receiver?.end(null, true);
      this.requested?.resolve();
      return false;
    }
    this.receiver?.message(payload);
    return true;
  }

  /** The connection ended during the stay. */
  close(error: Error, expected: boolean): void {
    this.receiver?.end(expected ? null : error, false);
    this.requested?.reject(error);
  }
}
