import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeGatewayMessage } from '../../src/client/gateway-frame';
import { StreamCipher } from '../../src/protocol/cipher/stream';
import { FrameReader, encodeFrame } from '../../src/protocol/frame';
import { BUFFER_SIZE } from '../../src/protocol/limits';

describe('encodeGatewayMessage', () => {
  it('reads back as two frames with the receiving cipher, for every message size class', () => {
    const key = randomBytes(32);
    const tx = new StreamCipher(key);
    const reader = new FrameReader();
    reader.cipher = new StreamCipher(key);
    for (const size of [0, 1, 4096, BUFFER_SIZE]) {
      const destination = randomBytes(1 + (size % 97));
      const message = randomBytes(size);
      reader.push(encodeGatewayMessage(destination, message, tx));
      const first = reader.next(BUFFER_SIZE);
      const second = reader.next(BUFFER_SIZE);
      assert.ok(first.kind === 'frame' && first.payload?.equals(destination));
      assert.ok(second.kind === 'frame' && second.payload?.equals(message));
    }
  });

  it('cuts the stream into the same cipher calls as two separate frames', () => {
    const key = randomBytes(24);
    const destination = Buffer.from('peer');
    const message = randomBytes(300);
    const joined = encodeGatewayMessage(destination, message, new StreamCipher(key));
    const separate = new StreamCipher(key);
    const expected = Buffer.concat([encodeFrame(destination, separate), encodeFrame(message, separate)]);
    assert.ok(joined.equals(expected));
  });
});
