import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type ProcessSample, type Snapshot, gather, processSample, prometheusText } from '../../src/listener/metrics';
import { ProcessCounters } from '../../src/spool/process-counters';
import { metricValue } from '../helpers/http-get';
import { writeRecord, spoolPerTest } from './fakes';

function counters(fields: Partial<Omit<ProcessCounters, 'dropped' | 'count'>>, dropped: Partial<ProcessCounters['dropped']> = {}): ProcessCounters {
  const c = Object.assign(new ProcessCounters(), fields);
  Object.assign(c.dropped, dropped);
  return c;
}

describe('metrics', () => {
  const spoolNow = spoolPerTest();

  it('gathers states, totals and inbox depths from run records, plus the ended processes', () => {
    const spool = spoolNow();
    writeRecord(spool, 11, 'idle', counters({ handshakesOk: 1, bytesIn: 10 }));
    writeRecord(spool, 12, 'busy', counters({ handshakesOk: 2, inboxDepth: 4, sent: 3, peers: 1 }, { 'no-peer': 1 }));
    writeRecord(spool, 13, 'busy', counters({ inboxDepth: 9 }));
    writeRecord(spool, 14, 'exiting', counters({ sent: 1 }));
    const retired = counters({ handshakesOk: 10, sent: 100 }, { 'peer-left': 5 });
    // 15 has no record (not written yet): skipped.
    const s = gather(spool.layout, [11, 12, 13, 14, 15], retired, 20, 2);
    assert.equal(s.idle, 1);
    assert.equal(s.busy, 2);
    assert.equal(s.totals.handshakesOk, 13);
    assert.equal(s.totals.sent, 104);
    assert.equal(s.totals.bytesIn, 10);
    assert.equal(s.totals.dropped['no-peer'], 1);
    assert.equal(s.totals.dropped['peer-left'], 5);
    assert.equal(s.inboxDepthTotal, 13);
    assert.equal(s.inboxDepthMax, 9);
    assert.equal(s.nodePeers, 1, "the peers this node's sessions hold");
    assert.equal(s.processesStarted, 20);
    assert.equal(s.processesCrashed, 2);
    assert.equal(s.node, spool.layout.node, "labelled with this listener's node");
    assert.equal(retired.handshakesOk, 10, 'the running total of ended processes is not changed');
  });

  it('counts the identity links in the spool root as peers, not its dot-directories', () => {
    const spool = spoolNow();
    symlinkSync('.inbox/x', path.join(spool.layout.root, 'alice'));
    symlinkSync('.inbox/y', path.join(spool.layout.root, 'bob'));
    assert.equal(gather(spool.layout, [], new ProcessCounters(), 0, 0).peers, 2);
  });

  it('writes Prometheus text: HELP and TYPE lines, labels, values', () => {
    const snapshot: Snapshot = {
      node: 'gw-1',
      idle: 3,
      busy: 4,
      peers: 5,
      nodePeers: 2,
      inboxDepthTotal: 6,
      inboxDepthMax: 2,
      totals: counters({ handshakesOk: 7, handshakesFailed: 1, bytesIn: 100, bytesOut: 200, delivered: 8 }, { 'inbox-full': 9 }),
      processesStarted: 11,
      processesCrashed: 1,
    };
    const text = prometheusText(snapshot);
    assert.ok(text.endsWith('\n'));
    assert.match(text, /^# HELP tfgw_sessions Session processes by state\.\n# TYPE tfgw_sessions gauge\n/);
    assert.match(text, /# TYPE tfgw_handshakes_total counter/);
    const expected: [string, number][] = [
      ['tfgw_sessions{state="idle"}', 3],
      ['tfgw_sessions{state="busy"}', 4],
      ['tfgw_gateway_peers', 5],
      ['tfgw_node_peers{node_id="gw-1"}', 2],
      ['tfgw_inbox_depth{stat="total"}', 6],
      ['tfgw_inbox_depth{stat="max"}', 2],
      ['tfgw_handshakes_total{outcome="ok"}', 7],
      ['tfgw_handshakes_total{outcome="failed"}', 1],
      ['tfgw_network_bytes_total{direction="in"}', 100],
      ['tfgw_network_bytes_total{direction="out"}', 200],
      ['tfgw_messages_delivered_total', 8],
      ['tfgw_messages_dropped_total{reason="inbox_full"}', 9],
      ['tfgw_messages_dropped_total{reason="peer_left"}', 0],
      ['tfgw_messages_dropped_total{reason="no_peer"}', 0],
      ['tfgw_session_processes_started_total', 11],
      ['tfgw_session_processes_crashed_total', 1],
    ];
    for (const [sample, value] of expected) assert.equal(metricValue(text, sample), value, sample);
    assert.doesNotMatch(text, /process_|tfgw_build_info/, 'no process metrics unless a process sample is given');
  });

  it('adds the build and the process metrics in prom-client names', () => {
    const sample: ProcessSample = {
      version: '1.2.3', node: 'v20.1.0', cpuSeconds: 1.5, residentBytes: 1000, startTimeSeconds: 1700000000,
      openFds: 12, heapUsedBytes: 300, heapTotalBytes: 400,
    };
    const text = prometheusText(emptySnapshot(), sample);
    assert.match(text, /# TYPE tfgw_build_info gauge\ntfgw_build_info\{version="1\.2\.3",node="v20\.1\.0"\} 1\n/);
    const expected: [string, number][] = [
      ['process_cpu_seconds_total', 1.5],
      ['process_resident_memory_bytes', 1000],
      ['process_start_time_seconds', 1700000000],
      ['process_open_fds', 12],
      ['nodejs_heap_size_used_bytes', 300],
      ['nodejs_heap_size_total_bytes', 400],
    ];
    for (const [name, value] of expected) assert.equal(metricValue(text, name), value, name);
    assert.match(text, /# TYPE process_cpu_seconds_total counter/);
    assert.doesNotMatch(prometheusText(emptySnapshot(), { ...sample, openFds: null }), /process_open_fds/);
  });

  it('samples this process: its version, CPU, memory, start and descriptors', () => {
    const p = processSample();
    assert.equal(p.version, require('../../../package.json').version);
    assert.equal(p.node, process.version);
    assert.ok(p.cpuSeconds > 0 && p.residentBytes > 0 && p.heapUsedBytes > 0 && p.heapTotalBytes >= p.heapUsedBytes);
    assert.ok(Math.abs(p.startTimeSeconds - (Date.now() / 1000 - process.uptime())) <= 1);
    assert.ok(p.openFds !== null && p.openFds >= 3, 'stdin, stdout and stderr at least');
  });
});

function emptySnapshot(): Snapshot {
  return {
    node: 'gw-1', idle: 0, busy: 0, peers: 0, nodePeers: 0, inboxDepthTotal: 0, inboxDepthMax: 0, totals: new ProcessCounters(),
    processesStarted: 0, processesCrashed: 0,
  };
}
