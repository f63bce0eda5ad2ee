// The figures of the side-by-side table (perf-reference.js): the `tfgw bench`
// arguments each one runs with against both servers, the time bound of one run,
// and how its value is read from the bench's JSON. Sizes stay below the
// reference server's limits (identities under ~200 bytes, frames under 512 KiB),
// and every run is bound by time: an open-loop flood blocks against it.
'use strict';

const n = (quick, full) => String(quick ? Math.max(1, Math.round(full / 5)) : full);

/** Throughput bound by time, for the runs that queue at the reference (10 msgs/s per receiver). */
const timed = (quick, pairs, size, window) => [
  'throughput', '--pairs', String(pairs), '--size', String(size), '--window', String(window), '--duration', quick ? '2' : '4',
  '--warmup', '20', '--quiet', '1500', '--drain-timeout', '10', '--workers', '2',
];

const FIGURES = [
  {
    key: 'latency',
    label: '64 B round trip A→B→A p50, ordinary client',
    // ~88 ms a round at the reference: few rounds.
    args: (q) => ['latency', '--size', '64', '--count', n(q, 150), '--warmup', '20'],
    boundS: 60,
    value: (r) => r.roundTripMs?.p50,
    unit: 'ms',
    lower: true,
  },
  {
    key: 'latencyQuickAck',
    label: '64 B round trip p50, client forcing quick ACKs',
    args: (q) => ['latency', '--size', '64', '--count', n(q, 2000), '--warmup', n(q, 500), '--quick-ack'],
    boundS: 60,
    value: (r) => r.roundTripMs?.p50,
    unit: 'ms',
    lower: true,
    floor: 'ipc64',
  },
  {
    key: 'pairs1kOne',
    label: '1 KiB × 8 pairs, one message in flight per pair',
    args: (q) => ['throughput', '--pairs', '8', '--size', '1024', '--window', '1', '--messages', n(q, 2000), '--warmup', n(q, 200), '--workers', '2'],
    boundS: 90,
    value: (r) => r.msgsPerS,
    unit: 'msgs/s',
    floor: 'ipc1k',
  },
  {
    key: 'pairs1k16',
    label: '1 KiB × 8 pairs, 16 in flight per pair',
    args: (q) => timed(q, 8, 1024, 16),
    boundS: 60,
    value: (r) => r.msgsPerS,
    unit: 'msgs/s',
    floor: 'ipc1k',
  },
  {
    key: 'pairs1kOpen',
    label: '1 KiB × 8 pairs, open loop (bound by time)',
    args: (q) => timed(q, 8, 1024, 0),
    boundS: 40,
    value: (r) => r.msgsPerS,
    unit: 'msgs/s',
    floor: 'ipc1k',
    floorTimes: 3,
  },
  {
    key: 'pairs64k',
    label: '64 KiB × 4 pairs, 4 in flight',
    args: (q) => timed(q, 4, 65536, 4),
    boundS: 60,
    value: (r) => r.MBps,
    unit: 'MB/s',
    floor: 'cipher',
    floorTimes: 0.8,
  },
  {
    key: 'handshakes',
    label: 'handshakes/s, 8 connectors',
    args: (q) => ['connect', '--connections', n(q, 300), '--concurrency', '8'],
    boundS: 60,
    value: (r) => r.handshakesPerS,
    unit: '/s',
    floor: 'rsa',
    floorTimes: 0.2,
  },
  {
    key: 'idleMemory',
    label: 'memory per idle peer (PSS)',
    args: (q) => ['idle', '--peers', n(q, 100), '--hold', '3', '--concurrency', '8'],
    boundS: 120,
    memory: true,
    value: (r) => r.memory?.perSessionPssMB,
    unit: 'MB',
    lower: true,
  },
];

module.exports = { FIGURES };
