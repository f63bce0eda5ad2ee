/**
 * Ending a run's connections: each peer leaves the gateway and each client
 * sends END, a few at a time. A server that never finishes the leave or the
 * close (another implementation may not answer as tfgw does) does not hold the
 * run up: whatever is still open after the grace period is dropped.
 */
import type { GatewayPeer, TfClient } from '../client';
import { forEachLimit, settleWithin } from './concurrency';

const GRACE_MS = 5000;

export async function teardown(peers: GatewayPeer[], clients: TfClient[], concurrency = 8): Promise<void> {
  const polite = (async () => {
    await forEachLimit(peers, concurrency, (p) => p.leave().catch(() => undefined));
    await forEachLimit(clients, concurrency, (c) => c.end().catch(() => undefined));
  })();
  if (!(await settleWithin(polite, GRACE_MS))) {
    for (const c of clients) if (!c.closed) c.close();
  }
}
