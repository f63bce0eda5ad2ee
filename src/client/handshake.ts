import { encodeFrame } from '../protocol/frame';
import { OK } from '../protocol/replies';
import { TfReplyError } from './errors';
import type { ReplyQueue } from './reply-queue';
import type { Wire } from './wire';

export interface HandshakeInput {
  version: string;
  hash: string;
  sessionKey: Buffer;
  /** The session key, already RSA-encrypted for the server. */
  sealedKey: Buffer;
}

/**
 * The connection sequence: version, session key and hash, each answered by `OK`.
 * The first two travel in plain text; the server's `OK` to the key switches both
 * directions to the stream cipher, so the hash is the first enciphered frame.
 * Resolves once the command interface is ready; rejects with `TfReplyError` on
 * any other answer.
 */
export async function handshake(wire: Wire, replies: ReplyQueue, input: HandshakeInput): Promise<void> {
  await step(wire, replies, 'protocol version', encodeFrame(input.version, null));
  await step(wire, replies, 'session key', encodeFrame(input.sealedKey, null), () =>
    wire.startCipher(input.sessionKey),
  );
  await step(wire, replies, 'hash', encodeFrame(input.hash, wire.tx));
}

function step(wire: Wire, replies: ReplyQueue, name: string, frame: Buffer, onOk?: () => void): Promise<void> {
  const answered = replies.expectWith((payload) => {
    const reply = payload.toString('utf8');
    if (reply !== OK) throw new TfReplyError(name, reply);
    onOk?.();
  });
  wire.send(frame);
  return answered;
}
