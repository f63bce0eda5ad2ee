/**
 * Coalesced spool files end to end: a client's burst for one destination becomes
 * batch files in the destination's inbox (observed with the receiving session
 * stopped), and the receiver gets every message, in order.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeGatewaySend } from '../../src/protocol/frame';
import { isBatchName } from '../../src/spool/batch';
import { isMessageEntry } from '../../src/spool/layout';
import { viewSpool } from '../../src/spool/view';
import { SpoolLayout } from '../../src/spool/layout';
import { peerOf, rawInGateway, serverForSuite } from './fixture';

describe('coalesced spool files', () => {
  const server = serverForSuite();

  it('writes a burst sent in one write as batch files, and the receiver gets it all in order', async () => {
    const receiver = await peerOf(server, 'burst-to');
    const sender = await rawInGateway(server, 'burst-from');
    const inbox = path.join(server.spool, 'burst-to');
    const { pid } = JSON.parse(readFileSync(path.join(inbox, 'owner.json'), 'utf8')) as { pid: number };
    const n = 300;
    const bodies = Array.from({ length: n }, (_, i) => `burst ${i}`);
    const queued = () => viewSpool(new SpoolLayout(server.spool)).inboxes.find((i) => i.name === 'burst-to')?.queuedMessages ?? 0;
    process.kill(pid, 'SIGSTOP');
    try {
      const tx = sender.tx!;
      sender.raw(Buffer.concat(bodies.map((b) => encodeGatewaySend(Buffer.from('burst-to'), Buffer.from(b), tx))));
      assert.ok(await server.waitFor(() => queued() === n), `${queued()} of ${n} messages queued`);
      const files = readdirSync(inbox).filter(isMessageEntry);
      assert.ok(files.some(isBatchName), `a batch file among ${files.join(' ')}`);
      assert.ok(files.length < n / 4, `${n} messages in ${files.length} files`);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const got = await receiver.receive(n);
    assert.deepEqual(
      got.map((m) => m.toString()),
      bodies,
    );
    await receiver.leave();
    sender.socket.destroy();
  });
});
