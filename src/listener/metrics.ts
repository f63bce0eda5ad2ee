/**
 * The numbers behind /metrics and /healthz, gathered from files only: the run
 * records that live session processes keep in the spool, the totals of the ones
 * that ended, and the spool's identity links; plus the build and the listener's
 * own process figures, named as prom-client's default metrics name them, so that
 * existing dashboards apply. Formatting is Prometheus text.
 */
import { readdirSync } from 'node:fs';
import type { SpoolLayout } from '../spool/layout';
import { readRunRecord } from '../spool/run-record';
import { identityLinks } from '../spool/view';
import { type DropReason, ProcessCounters, addStats } from '../spool/process-counters';

export interface Snapshot {
  /** This server's node id: the sessions counted here are this node's only. */
  node: string;
  idle: number;
  busy: number;
  /** Identities in the gateway, every node's. */
  peers: number;
  /** Identities held by this node's session processes. */
  nodePeers: number;
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
    node: layout.node,
    idle: 0,
    busy: 0,
    peers: 0,
    nodePeers: 0,
    inboxDepthTotal: 0,
    inboxDepthMax: 0,
    totals,
    processesStarted: started,
    processesCrashed: crashed,
  };
  for (const pid of pids) {
    const record = readRunRecord(layout.runFile(pid));
    if (!record) continue;
    if (record.state === 'busy' || record.state === 'handshaking') snapshot.busy++;
    else if (record.state === 'idle') snapshot.idle++;
    addStats(totals, record.stats);
    snapshot.nodePeers += record.stats.peers ?? 0;
    const depth = record.stats.inboxDepth ?? 0;
    snapshot.inboxDepthTotal += depth;
    snapshot.inboxDepthMax = Math.max(snapshot.inboxDepthMax, depth);
  }
  snapshot.peers = identityLinks(layout).length;
  return snapshot;
}

/** The listener process's own figures, as prom-client's default metrics report them. */
export interface ProcessSample {
  version: string;
  node: string;
  cpuSeconds: number;
  residentBytes: number;
  startTimeSeconds: number;
  /** Open descriptors; null where /proc is not there. */
  openFds: number | null;
  heapUsedBytes: number;
  heapTotalBytes: number;
}

const VERSION = (require('../../../package.json') as { version: string }).version;

/** This process's figures now. */
export function processSample(): ProcessSample {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  let openFds: number | null = null;
  try {
    // Less the descriptor that reads the directory itself.
    openFds = readdirSync('/proc/self/fd').length - 1;
  } catch {}
  return {
    version: VERSION,
    node: process.version,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    residentBytes: memory.rss,
    startTimeSeconds: Math.round(Date.now() / 1000 - process.uptime()),
    openFds,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
  };
}

type Sample = [labels: string, value: number];

function metric(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) lines.push(`${name}${labels ? `{${labels}}` : ''} ${value}`);
  return lines.join('\n');
}

/** The build and process metrics, in prom-client's names. */
function processText(p: ProcessSample): string[] {
  const label = (text: string) => JSON.stringify(text);
  return [
    metric('tfgw_build_info', 'gauge', 'The tfgw version and the Node.js version it runs on; always 1.', [
      [`version=${label(p.version)},node=${label(p.node)}`, 1],
    ]),
    metric('process_cpu_seconds_total', 'counter', 'CPU time of the listener process, user and system, in seconds.', [['', p.cpuSeconds]]),
    metric('process_resident_memory_bytes', 'gauge', 'Memory of the listener process held in RAM, in bytes.', [['', p.residentBytes]]),
    metric('process_start_time_seconds', 'gauge', 'When the listener process started, in seconds since the Unix epoch.', [
      ['', p.startTimeSeconds],
    ]),
    ...(p.openFds === null ? [] : [metric('process_open_fds', 'gauge', 'File descriptors the listener process holds open.', [['', p.openFds]])]),
    metric('nodejs_heap_size_used_bytes', 'gauge', 'JavaScript heap in use in the listener process, in bytes.', [['', p.heapUsedBytes]]),
    metric('nodejs_heap_size_total_bytes', 'gauge', 'JavaScript heap reserved by the listener process, in bytes.', [['', p.heapTotalBytes]]),
  ];
}

/** The gateway's metrics, then (when given) the build and the listener process's own. */
export function prometheusText(s: Snapshot, p?: ProcessSample): string {
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
    metric('tfgw_preauth_refused_total', 'counter', 'Connections closed at once: too many unauthenticated from their address.', [
      ['', t.preauthRefused],
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
    metric('tfgw_node_peers', 'gauge', "Identities held by this node's sessions (the other figures but tfgw_gateway_peers are this node's too).", [
      [`node_id=${JSON.stringify(s.node)}`, s.nodePeers],
    ]),
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
    ...(p ? processText(p) : []),
  ].join('\n')}\n`;
}
