/**
 * docs/ROBUSTNESS.md, secrets stay secret: no process of the server (the listener
 * and every session process) carries the hash on its command line or in its
 * environment, both of which other local users can read under /proc.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { GatewayPeer } from '../../src/client';
import { type ServerHandle, startServer } from '../helpers/tfgw-server';
import { peerOf } from './fixture';

/** The pid and every descendant of it, from /proc/<pid>/stat. */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

const readOr = (file: string) => {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return '';
  }
};

describe('secrets: the hash is on no command line or environment', { timeout: 60_000 }, () => {
  let server: ServerHandle;
  let peer: GatewayPeer;
  before(async () => {
    server = await startServer();
    peer = await peerOf(server, 'secret-a');
  });
  after(async () => {
    await peer?.leave().catch(() => {});
    await server?.stop();
  });

  it('scans the listener and its session processes', async () => {
    assert.ok(server.hash.length >= 16);
    const pids = processTree(server.child.pid!);
    assert.ok(pids.length >= 2, `expected session processes beside the listener, saw ${pids.join(' ')}`);
    for (const pid of pids) {
      assert.equal(readOr(`/proc/${pid}/cmdline`).includes(server.hash), false, `hash on the command line of ${pid}`);
      assert.equal(readOr(`/proc/${pid}/environ`).includes(server.hash), false, `hash in the environment of ${pid}`);
    }
    assert.equal(peer.state, 'open');
  });
});
