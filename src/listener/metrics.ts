/**
 * The numbers behind /metrics and /healthz, gathered from files only: the run
 * records that live session processes keep in the spool, the totals of the ones
 * that ended, and the spool's identity links. Formatting is Prometheus text.
 */
import type { SpoolLayout } from '../spool/layout';
import { readRunRecord } from '../spool/run-record';
import { identityLinks } from '../spool/view';
import { type DropReason, ProcessCounters, addStats } from '../spool/process-counters';

export interface Snapshot {
  idle: number;
  busy: number;
  peers: number;
  inboxDepthTotal: number;
  inboxDepthMax: number;
  totals: ProcessCounters;
  processesStarted: number;
  processesCrashed: number;
}

export function gather(
  layout: SpoolLayout,
  pids: number[],
  retired: ProcessCounters,
  started: number,
  crashed: number,
): Snapshot {
  const totals = new ProcessCounters();
  addStats(totals, retired);
  const snapshot: Snapshot = {
    idle: 0,
    busy: 0,
    peers: 0,
    inboxDepthTotal: 0,
    inboxDepthMax: 0,
    totals,
    processesStarted: started,
    processesCrashed: crashed,
  };
  for (const pid of pids) {
    const record = readRunRecord(layout.runFile(pid));
    if (!record) continue;
    if (record.state === 'busy') snapshot.busy++;
    else if (record.state === 'idle') snapshot.idle++;
    addStats(totals, record.stats);
    const depth = record.stats.inboxDepth ?? 0;
    snapshot.inboxDepthTotal += depth;
    snapshot.inboxDepthMax = Math.max(snapshot.inboxDepthMax, depth);
  }
  snapshot.peers = identityLinks(layout).length;
  return snapshot;
}

type Sample = [labels: string, value: number];

function metric(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) lines.push(`${name}${labels ? `{${labels}}` : ''} ${value}`);
  return lines.join('\n');
}

export function prometheusText(s: Snapshot): string {
  const t = s.totals;
  const reasons = Object.keys(t.dropped) as DropReason[];
  return `${[
    metric('tfgw_sessions', 'gauge', 'Session processes by state.', [
      ['state="idle"', s.idle],
      ['state="busy"', s.busy],
    ]),
    metric('tfgw_session_processes_started_total', 'counter', 'Session processes started.', [['', s.processesStarted]]),
    metric('tfgw_session_processes_crashed_total', 'counter', 'Session processes that ended abnormally.', [
      ['', s.processesCrashed],
    ]),
    metric('tfgw_handshakes_total', 'counter', 'Connection sequences by outcome.', [
      ['outcome="ok"', t.handshakesOk],
      ['outcome="failed"', t.handshakesFailed],
    ]),
    metric('tfgw_protocol_violations_total', 'counter', 'Connections closed for breaking the protocol.', [
      ['', t.violations],
    ]),
    metric('tfgw_rate_limited_total', 'counter', 'Times a connection was paused by the inbound rate limit.', [
      ['', t.rateLimited],
    ]),
    metric('tfgw_slow_receivers_disconnected_total', 'counter', 'Clients disconnected because their inbox stayed full.', [
      ['', t.slowReceivers],
    ]),
    metric('tfgw_watch_fallbacks_total', 'counter', 'Inbox watches that fell back to polling (no inotify left).', [
      ['', t.watchFallbacks],
    ]),
    metric('tfgw_gateway_peers', 'gauge', 'Identities in the gateway.', [['', s.peers]]),
    metric('tfgw_messages_relayed_total', 'counter', 'Messages queued into an inbox.', [['', t.sent]]),
    metric('tfgw_message_bytes_relayed_total', 'counter', 'Message bytes queued into an inbox.', [['', t.sentBytes]]),
    metric('tfgw_messages_delivered_total', 'counter', 'Messages written to their receiving client.', [
      ['', t.delivered],
    ]),
    metric('tfgw_message_bytes_delivered_total', 'counter', 'Message bytes written to receiving clients.', [
      ['', t.deliveredBytes],
    ]),
    metric(
      'tfgw_messages_dropped_total',
      'counter',
      'Messages not delivered, by reason.',
      reasons.map((r) => [`reason="${r.replace('-', '_')}"`, t.dropped[r]]),
    ),
    metric('tfgw_inbox_depth', 'gauge', 'Messages waiting in inboxes: total and deepest.', [
      ['stat="total"', s.inboxDepthTotal],
      ['stat="max"', s.inboxDepthMax],
    ]),
    metric('tfgw_network_bytes_total', 'counter', 'Bytes on client connections.', [
      ['direction="in"', t.bytesIn],
      ['direction="out"', t.bytesOut],
    ]),
  ].join('\n')}\n`;
}
