import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageStream } from '../../src/client/message-stream';

const msg = (text: string): Buffer => Buffer.from(text);

describe('MessageStream', () => {
  it('keeps messages pushed before anyone reads', async () => {
    const stream = new MessageStream();
    stream.push(msg('a'));
    stream.push(msg('b'));
    assert.equal(stream.size, 2);
    assert.deepEqual((await stream.take(2)).map(String), ['a', 'b']);
  });

  it('wakes a waiting reader and ends iteration after end()', async () => {
    const stream = new MessageStream();
    const seen: string[] = [];
    const loop = (async () => {
      for await (const m of stream) seen.push(String(m));
    })();
    stream.push(msg('x'));
    stream.push(msg('y'));
    stream.end();
    await loop;
    assert.deepEqual(seen, ['x', 'y']);
  });

  it('lets a later loop resume after break', async () => {
    const stream = new MessageStream();
    for (const t of ['1', '2', '3']) stream.push(msg(t));
    for await (const m of stream) {
      assert.equal(String(m), '1');
      break;
    }
    assert.deepEqual((await stream.take(2)).map(String), ['2', '3']);
  });

  it('hands out what is buffered, then throws the error once', async () => {
    const stream = new MessageStream();
    stream.push(msg('last'));
    stream.end(new Error('boom'));
    assert.equal(String((await stream.next()).value), 'last');
    await assert.rejects(stream.next(), /boom/);
    assert.equal((await stream.next()).done, true);
  });

  it('take() rejects when the stream ends early', async () => {
    const stream = new MessageStream();
    stream.push(msg('only'));
    stream.end();
    await assert.rejects(stream.take(2), /after 1 of 2/);
  });

  it('stays in order across many messages', async () => {
    const stream = new MessageStream();
    for (let i = 0; i < 5000; i++) stream.push(Buffer.from([i & 0xff, i >> 8]));
    const got = await stream.take(5000);
    got.forEach((m, i) => {
      assert.equal(m[0]! | (m[1]! << 8), i);
    });
  });
});
