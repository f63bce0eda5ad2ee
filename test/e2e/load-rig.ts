/**
 * What the load suites (robustness-load, robustness-receivers) share: a server
 * with a small inbox bound, a pair of bystanders that must keep talking through
 * everything, peers that keep their connection so a test can end both, and a
 * sender that floods 64 KiB self-checking messages.
 */
import { before } from 'node:test';
import type { GatewayPeer, GatewayPeerOptions, TfClient } from '../../src/client';
import { exchange, sealedMessage } from '../helpers/robustness';
import type { ServerHandle } from '../helpers/tfgw-server';
import { serverForSuite } from './fixture';

/** The inbox bound the load suites run with (--inbox-max-files). */
export const INBOX_MAX_FILES = 32;

/**
 * The byte bound they run with (--inbox-max-bytes): 64 KiB messages meet the file
 * bound first (32 of them are 2 MiB), 512 KiB ones this one (8 of them).
 */
export const INBOX_MAX_BYTES = 4 * 1024 * 1024;

/** A message file's name in an inbox (time, pid, sequence, the node id, and `.batch` for a batch file: src/spool/names.ts). */
export const MESSAGE_FILE = /^\d{13}-\d{7}-\d{10}\.[a-z0-9][a-z0-9_-]*(\.batch)?$/;

export interface Flood {
  readonly sent: number;
  stop(): Promise<void>;
}

export interface LoadRig {
  server: ServerHandle;
  /** The bystanders, `by-p` and `by-q`, in the gateway from before the first test. */
  bystanders(): [GatewayPeer, GatewayPeer];
  /** A peer on a connection of its own, which `done` ends. */
  peerOf(id: string, options?: GatewayPeerOptions): Promise<GatewayPeer>;
  /** Leaves the gateway and ends the connection. */
  done(peer: GatewayPeer): Promise<void>;
  /** The bystanders still talk, both ways. */
  bystandersTalk(): Promise<void>;
  /** Sessions the server logged as ended so far. */
  sessionsEnded(): number;
  /** Starts a sender that streams 64 KiB self-checking messages to `to()` until stopped. */
  startFlood(id: string, to: () => string): Promise<Flood>;
}

/** The rig for the enclosing describe block: its server (with /metrics) starts before the tests, the bystanders enter next. */
export function loadRigForSuite(): LoadRig {
  const server = serverForSuite([
    '--inbox-max-files',
    String(INBOX_MAX_FILES),
    '--inbox-max-bytes',
    String(INBOX_MAX_BYTES),
    '--metrics-listen',
    '127.0.0.1:0',
  ]);
  const clients = new Map<GatewayPeer, TfClient>();
  let p: GatewayPeer;
  let q: GatewayPeer;
  let round = 0;
  const peerOf = async (id: string, options?: GatewayPeerOptions): Promise<GatewayPeer> => {
    const client = await server.connect();
    const peer = await client.enterGateway(id, options);
    clients.set(peer, client);
    return peer;
  };
  const done = async (peer: GatewayPeer) => {
    await peer.leave();
    await clients.get(peer)!.end();
  };
  before(async () => {
    p = await peerOf('by-p');
    q = await peerOf('by-q');
  });
  return {
    server,
    bystanders: () => [p, q],
    peerOf,
    done,
    bystandersTalk: async () => {
      round++;
      await exchange(p, q, `p->q ${round}`);
      await exchange(q, p, `q->p ${round}`);
    },
    sessionsEnded: () => (server.logs().match(/ session ended /g) ?? []).length,
    startFlood: (id, to) => startFlood(peerOf, done, id, to),
  };
}

async function startFlood(
  peerOf: LoadRig['peerOf'],
  done: LoadRig['done'],
  id: string,
  to: () => string,
): Promise<Flood> {
  const sender = await peerOf(id);
  let stop = false;
  let sent = 0;
  const running = (async () => {
    while (!stop) {
      await sender.send(to(), sealedMessage(64 * 1024, sent++));
      if (sent % 4 === 0) await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    get sent() {
      return sent;
    },
    stop: async () => {
      stop = true;
      await running;
      await done(sender);
    },
  };
}
