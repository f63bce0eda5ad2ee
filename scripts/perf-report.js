#!/usr/bin/env node
// Regenerates docs/PERFORMANCE.md (and its plots in docs/perf/) by running
// `tfgw bench` against a fresh `tfgw serve` on loopback, floors included, in one
// run. Usage: npm run build && node scripts/perf-report.js [--quick]
// (--render rewrites PERFORMANCE.md from docs/perf/results.json without measuring,
// after an edit of docs/perf/analysis.md.)
// The spool is a RAM-backed tmpfs mounted for the run when this runs as root,
// else a directory under /dev/shm; a second, shorter pass uses a spool on disk.
// --against-reference <dir> measures the side-by-side table instead (perf-reference.js)
// and re-renders PERFORMANCE.md with it; --render keeps the last side-by-side table.
'use strict';
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { BENCH_INOTIFY_INSTANCES, inotifyCapped, underInotifyCap } = require('./inotify-cap');

const root = path.resolve(__dirname, '..');
const tfgw = path.join(root, 'bin', 'tfgw');
const quick = process.argv.includes('--quick');
const scale = (n) => (quick ? Math.max(1, Math.round(n / 5)) : n);
let work = '';
let dataDir = '';

function log(msg) {
  process.stderr.write(`perf-report: ${msg}\n`);
}

function ramSpool() {
  const dir = path.join(work, 'ram-spool');
  fs.mkdirSync(dir);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2g,mode=0700', 'tmpfs', dir]).status === 0;
  if (mounted) return { dir, fs: 'tmpfs (mounted for the run)', unmount: () => spawnSync('umount', [dir]) };
  const shm = fs.mkdtempSync('/dev/shm/tfgw-perf-');
  return { dir: shm, fs: 'tmpfs (/dev/shm)', unmount: () => fs.rmSync(shm, { recursive: true, force: true }) };
}

function fsType(dir) {
  try {
    return execFileSync('df', ['--output=fstype', dir], { encoding: 'utf8' }).trim().split('\n').pop();
  } catch {
    return '?';
  }
}

async function startServer(spool, port) {
  const [cmd, ...args] = underInotifyCap([process.execPath, tfgw, 'serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir,
    '--spool', spool, '--spare-sessions', '8', '--max-sessions', '2000', '--max-peers', '2000', '--log-level', 'warn']);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('spool ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 1500)); // let the spare sessions start
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

function bench(args, port) {
  const full = ['bench', ...args, '--port', String(port), '--data-dir', dataDir, '--json', '--no-progress'];
  log(`tfgw ${full.slice(0, -6).join(' ')}`);
  const out = execFileSync(process.execPath, [tfgw, ...full], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return { cmd: `tfgw bench ${args.join(' ')}`, json: JSON.parse(out) };
}

/** The run whose figure is the median of the runs' figures. */
function median(runs, figure) {
  return [...runs].sort((a, b) => figure(a) - figure(b))[Math.floor(runs.length / 2)];
}

function floorRun(spool) {
  const args = ['bench', 'floor', '--spool', spool, '--rounds', String(scale(2000)), '--stream', String(scale(10000)),
    '--starts', String(scale(20)), '--cipher-mib', String(scale(32)), '--json', '--no-progress'];
  log(`tfgw ${args.join(' ')}`);
  const out = execFileSync(process.execPath, [tfgw, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return { cmd: `tfgw ${args.slice(0, -2).join(' ')}`, json: JSON.parse(out) };
}

/** The file-IPC floor at one message size, for the throughput rows (their messages are not 64 bytes). */
function streamFloor(spool, size, files) {
  const args = ['bench', 'floor', '--only', 'ipc', '--spool', spool, '--size', String(size), '--rounds', String(scale(200)),
    '--stream', String(files), '--json', '--no-progress'];
  log(`tfgw ${args.join(' ')}`);
  const out = execFileSync(process.execPath, [tfgw, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return { cmd: `tfgw ${args.slice(0, -2).join(' ')}`, json: JSON.parse(out) };
}

function cipherSmallCalls() {
  const args = ['bench', 'floor', '--only', 'cipher', '--cipher-mib', String(scale(8)), '--cipher-call-size', '1024', '--json', '--no-progress'];
  const out = execFileSync(process.execPath, [tfgw, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return { cmd: `tfgw ${args.slice(0, -2).join(' ')}`, json: JSON.parse(out) };
}

const runsOf = (runs, figure) => (runs ?? []).map((b) => f1(figure(b.json.results))).join(', ');
const lostIn = (runs) => (runs ?? []).reduce((n, b) => n + b.json.results.lost, 0);
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2) : 'n/a');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

// ---------- plots (plain SVG) ----------
function svgLines({ title, xLabel, yLabel, series, xLog = false, yLog = false, xTicks, file }) {
  const W = 640, H = 360, L = 70, R = 170, T = 36, B = 50;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => y > 0);
  const tx = (v) => (xLog ? Math.log10(v) : v);
  const ty = (v) => (yLog ? Math.log10(v) : v);
  const [x0, x1] = [Math.min(...xs.map(tx)), Math.max(...xs.map(tx))];
  const [y0, y1] = yLog ? [Math.floor(Math.min(...ys.map(ty))), Math.ceil(Math.max(...ys.map(ty)))] : [0, Math.max(...ys) * 1.1];
  const px = (v) => L + ((tx(v) - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (v) => H - B - ((ty(Math.max(v, yLog ? 10 ** y0 : 0)) - y0) / (y1 - y0 || 1)) * (H - T - B);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${W / 2 - R / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>`];
  const yTicks = yLog ? Array.from({ length: y1 - y0 + 1 }, (_, i) => 10 ** (y0 + i)) : Array.from({ length: 6 }, (_, i) => (y1 * i) / 5);
  for (const v of yTicks) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 6}" y="${py(v) + 4}" text-anchor="end">${v >= 1000 ? `${v / 1000}k` : +v.toPrecision(3)}</text>`);
  }
  for (const v of xTicks ?? []) {
    parts.push(`<line x1="${px(v)}" x2="${px(v)}" y1="${T}" y2="${H - B}" stroke="#eee"/>`);
    parts.push(`<text x="${px(v)}" y="${H - B + 16}" text-anchor="middle">${v >= 1024 ? `${v / 1024}K` : v}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${xLabel}</text>`);
  parts.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`);
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${colors[i % colors.length]}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`);
    parts.push(`<text x="${W - R + 10}" y="${T + 16 + i * 18}" fill="${colors[i % colors.length]}">${s.name}</text>`);
  });
  parts.push('</svg>');
  fs.writeFileSync(file, `${parts.join('\n')}\n`);
}

async function main() {
  const against = process.argv.indexOf('--against-reference');
  if (against >= 0) {
    const only = process.argv.indexOf('--figures');
    await require('./perf-reference').run(process.argv[against + 1], quick, only >= 0 ? process.argv[only + 1].split(',') : null);
  }
  if (against >= 0 || process.argv.includes('--render')) {
    const saved = JSON.parse(fs.readFileSync(path.join(root, 'docs', 'perf', 'results.json'), 'utf8'));
    writeReport(saved, saved.meta.ramFs, new Date(saved.meta.started), saved.meta.quick);
    return;
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tfgw-perf-'));
  dataDir = path.join(work, 'data');
  const started = new Date();
  const ram = ramSpool();
  const port = 10500 + Math.floor(Math.random() * 400);
  const results = {};
  try {
    let server = await startServer(ram.dir, port);
    results.floor = floorRun(ram.dir);
    results.cipher1k = cipherSmallCalls();
    results.stream1k = streamFloor(ram.dir, 1024, scale(10000));
    results.stream64k = streamFloor(ram.dir, 65536, scale(3000));
    // Cold: the pair's two sessions come fresh from the pool (100 round trips of warm-up, the default).
    results.latencyCold = bench(['latency', '--count', String(scale(3000)), '--size', '64'], port);
    // Steady state, as for throughput: warm-up round trips on the same connections, three runs, the median p50 counts.
    results.latencyRuns = [1, 2, 3].map(() => bench(['latency', '--count', String(scale(3000)), '--warmup', String(scale(2000)), '--size', '64'], port));
    results.latency = median(results.latencyRuns, (b) => b.json.results.roundTripMs.p50);
    // Cold: sessions fresh from the pool compile their hot paths while they work.
    results.tput1kCold = bench(['throughput', '--pairs', '8', '--messages', String(scale(4000)), '--size', '1024', '--workers', '2'], port);
    // Steady state: the same connections carry warm-up messages first (not counted).
    // This machine's speed varies from run to run by about a tenth: three runs each, the median counts.
    results.tput1kRuns = [1, 2, 3].map(() => bench(['throughput', '--pairs', '8', '--messages', String(scale(10000)), '--warmup', String(scale(4000)), '--size', '1024', '--workers', '2'], port));
    results.tput1k = median(results.tput1kRuns, (b) => b.json.results.msgsPerS);
    // Warm-up counts messages, not bytes: the hot paths need about as many calls at any size.
    results.tput64kRuns = [1, 2, 3].map(() => bench(['throughput', '--pairs', '4', '--messages', String(scale(2000)), '--warmup', String(scale(1000)), '--size', '65536', '--workers', '2'], port));
    results.tput64k = median(results.tput64kRuns, (b) => b.json.results.MBps);
    results.sweep = [];
    for (const size of [64, 1024, 8192, 65536, 262144]) {
      const messages = Math.max(20, Math.round(scale(size <= 1024 ? 2000 : size <= 8192 ? 1000 : size <= 65536 ? 300 : 80)));
      results.sweep.push(bench(['throughput', '--pairs', '8', '--messages', String(messages), '--warmup', String(Math.round(messages / 2)), '--size', String(size), '--workers', '2'], port));
    }
    results.connect = bench(['connect', '--connections', String(scale(1000)), '--concurrency', '4'], port);
    await server.stop();
    server = await startServer(ram.dir, port);
    results.idle = bench(['idle', '--peers', String(quick ? 100 : 500), '--hold', '5', '--concurrency', '16', '--spool', ram.dir], port);
    await server.stop();
    // The same on a spool on disk.
    const disk = path.join(root, 'spool');
    server = await startServer(disk, port);
    results.diskFloor = (() => {
      const args = ['bench', 'floor', '--only', 'ipc', '--spool', disk, '--rounds', String(scale(1000)), '--stream', String(scale(5000)), '--json', '--no-progress'];
      const out = execFileSync(process.execPath, [tfgw, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      return { cmd: `tfgw ${args.slice(0, -2).join(' ')}`, json: JSON.parse(out) };
    })();
    results.diskLatency = bench(['latency', '--count', String(scale(2000)), '--warmup', String(scale(2000)), '--size', '64'], port);
    results.diskTput = bench(['throughput', '--pairs', '8', '--messages', String(scale(2000)), '--size', '1024', '--workers', '2'], port);
    results.diskFs = fsType(disk);
    results.inotifyCap = inotifyCapped() ? BENCH_INOTIFY_INSTANCES : null;
    results.ramFsType = fsType(ram.dir);
    await server.stop();
  } finally {
    ram.unmount();
  }
  writeReport(results, ram.fs, started);
  fs.rmSync(work, { recursive: true, force: true });
}

function machine() {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus.length} × ${cpus[0]?.model ?? '?'}`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; kernel ${os.release()}; Node.js ${process.version}`,
  ].join('\n');
}

function writeReport(r, ramFs, started, wasQuick = quick) {
  // The machine the figures were measured on: a re-render keeps it.
  r.meta = { ramFs, started: started.toISOString(), quick: wasQuick, machine: r.meta?.machine ?? machine() };
  const perfDir = path.join(root, 'docs', 'perf');
  fs.mkdirSync(perfDir, { recursive: true });
  const fl = r.floor.json.results;
  const c64 = fl.cipher;
  const c1k = r.cipher1k.json.results.cipher;
  const ipcW = fl.ipc.fsWatch;
  const ipcC = fl.ipc.chokidar;
  const lat = r.latency.json.results.roundTripMs;
  const latCold = r.latencyCold?.json.results.roundTripMs ?? null;
  const ipcFloor = Math.min(ipcW.roundTripMs.p50, ipcC.roundTripMs.p50);
  // Throughput floors: one stream of files of the rows' own size (reports made before these existed used 64-byte files).
  const s1k = r.stream1k?.json.results.ipc ?? fl.ipc;
  const s1kLabel = r.stream1k ? 'one stream of 1 KiB files' : 'one stream of 64 B files';
  const s64k = r.stream64k?.json.results.ipc ?? null;
  const mbOf = (stream) => (stream.streamMsgsPerS * 65536) / 1e6;
  // Every byte is ciphered four times (two encrypts, two decrypts) on the machine's two cores.
  const cipherCeiling = 1000 / (c64.cNsPerByte.enc + c64.cNsPerByte.dec);
  const t1 = r.tput1k.json.results;
  const t1c = r.tput1kCold.json.results;
  const t64 = r.tput64k.json.results;
  const con = r.connect.json.results;
  const idle = r.idle.json.results;
  const dl = r.diskLatency.json.results.roundTripMs;
  const dt = r.diskTput.json.results;
  const dipcW = r.diskFloor.json.results.ipc.fsWatch;
  const dipcC = r.diskFloor.json.results.ipc.chokidar;
  const nodeStart = fl.node.startupMs.p50;
  const tcpRtt = fl.tcp?.roundTripMs?.p50 ?? Number.NaN;
  const pathFloor = ipcW.roundTripMs.p50 + 2 * tcpRtt;
  const nodePss = fl.node.pssSideBySideMB ?? fl.node.pssMB;
  const nodePssAlone = fl.node.pssMB;
  const perPeer = idle.memory?.perSessionPssMB ?? Number.NaN;
  const yes = (ok) => (ok ? 'met' : '**missed**');
  const rows = [
    ['Cipher encrypt, 64 KiB calls', `${f1(c64.wasm.enc)} ns/B`, `C ${f1(c64.cNsPerByte?.enc)} ns/B`, ratio(c64.wasm.enc, c64.cNsPerByte?.enc), '≤ 1.5× C', yes(c64.wasm.enc <= 1.5 * c64.cNsPerByte?.enc)],
    ['Cipher decrypt, 64 KiB calls', `${f1(c64.wasm.dec)} ns/B`, `C ${f1(c64.cNsPerByte?.dec)} ns/B`, ratio(c64.wasm.dec, c64.cNsPerByte?.dec), '≤ 1.5× C', yes(c64.wasm.dec <= 1.5 * c64.cNsPerByte?.dec)],
    ['Cipher encrypt, 1 KiB calls', `${f1(c1k.wasm.enc)} ns/B`, `C ${f1(c1k.cNsPerByte?.enc)} ns/B`, ratio(c1k.wasm.enc, c1k.cNsPerByte?.enc), '≤ 1.5× C', yes(c1k.wasm.enc <= 1.5 * c1k.cNsPerByte?.enc)],
    ['Cipher decrypt, 1 KiB calls', `${f1(c1k.wasm.dec)} ns/B`, `C ${f1(c1k.cNsPerByte?.dec)} ns/B`, ratio(c1k.wasm.dec, c1k.cNsPerByte?.dec), '≤ 1.5× C', yes(c1k.wasm.dec <= 1.5 * c1k.cNsPerByte?.dec)],
    ['Latency 64 B A→B→A, p50 (median of 3)', `${f1(lat.p50)} ms (runs: ${runsOf(r.latencyRuns ?? [r.latency], (x) => x.roundTripMs.p50)})`, `2 file hops: fs.watch ${f1(ipcW.roundTripMs.p50)} ms, chokidar ${f1(ipcC.roundTripMs.p50)} ms`, `${ratio(lat.p50, ipcW.roundTripMs.p50)} / ${ratio(lat.p50, ipcC.roundTripMs.p50)}`, '≤ 1 ms and ≤ 2× floor (both floors)', `${lat.p50 <= 1 ? 'met' : '**missed**'} (≤ 1 ms); ${lat.p50 <= 2 * ipcFloor ? 'met' : '**missed**'} (≤ 2× floor)`],
    ['… against the whole path', `${f1(lat.p50)} ms`, `2 file hops + 4 loopback TCP hops (TCP round trip ${f1(tcpRtt)} ms): ${f1(pathFloor)} ms`, ratio(lat.p50, pathFloor), '(for reference)', '—'],
    ...(latCold ? [['Latency 64 B A→B→A, p50, cold sessions', `${f1(latCold.p50)} ms (p99 ${f1(latCold.p99)})`, `2 file hops: fs.watch ${f1(ipcW.roundTripMs.p50)} ms, chokidar ${f1(ipcC.roundTripMs.p50)} ms`, `${ratio(latCold.p50, ipcW.roundTripMs.p50)} / ${ratio(latCold.p50, ipcC.roundTripMs.p50)}`, '(for reference)', '—']] : []),
    ['Latency 64 B A→B→A, p99', `${f1(lat.p99)} ms`, `fs.watch ${f1(ipcW.roundTripMs.p99)} ms, chokidar ${f1(ipcC.roundTripMs.p99)} ms`, `${ratio(lat.p99, ipcW.roundTripMs.p99)} / ${ratio(lat.p99, ipcC.roundTripMs.p99)}`, '< 5 ms', yes(lat.p99 < 5)],
    ['Throughput 1 KiB × 8 pairs (median of 3)', `${f1(t1.msgsPerS)} msgs/s (runs: ${runsOf(r.tput1kRuns, (x) => x.msgsPerS)}), lost ${lostIn(r.tput1kRuns)} in all`, `${s1kLabel}: fs.watch ${f1(s1k.fsWatch.streamMsgsPerS)}, chokidar ${f1(s1k.chokidar.streamMsgsPerS)} msgs/s`, `${ratio(t1.msgsPerS, s1k.fsWatch.streamMsgsPerS)} / ${ratio(t1.msgsPerS, s1k.chokidar.streamMsgsPerS)}`, '≥ 20 000 msgs/s, no loss', yes(t1.msgsPerS >= 20000 && lostIn(r.tput1kRuns) === 0)],
    ['Throughput 1 KiB × 8 pairs, cold sessions', `${f1(t1c.msgsPerS)} msgs/s, lost ${t1c.lost}`, `${s1kLabel}: fs.watch ${f1(s1k.fsWatch.streamMsgsPerS)}, chokidar ${f1(s1k.chokidar.streamMsgsPerS)} msgs/s`, `${ratio(t1c.msgsPerS, s1k.fsWatch.streamMsgsPerS)} / ${ratio(t1c.msgsPerS, s1k.chokidar.streamMsgsPerS)}`, '(for reference)', '—'],
    ['Throughput 64 KiB × 4 pairs (median of 3)', `${f1(t64.MBps)} MB/s (runs: ${runsOf(r.tput64kRuns, (x) => x.MBps)}), lost ${lostIn(r.tput64kRuns)} in all`,
      `${s64k ? `one stream of 64 KiB files: fs.watch ${f1(mbOf(s64k.fsWatch))}, chokidar ${f1(mbOf(s64k.chokidar))} MB/s; ` : ''}the cipher alone, four passes at C speed on two cores: ${f1(cipherCeiling)} MB/s`,
      `${s64k ? `${ratio(t64.MBps, mbOf(s64k.fsWatch))} / ${ratio(t64.MBps, mbOf(s64k.chokidar))}; ` : ''}${ratio(t64.MBps, cipherCeiling)}`,
      '≥ 100 MB/s', yes(t64.MBps >= 100)],
    ['Handshakes, 4 connectors', `${f1(con.handshakesPerS)} /s`, `node start-up p50 ${f1(nodeStart)} ms (≈ ${f1(1000 / nodeStart)} /s per core)`, ratio(con.handshakesPerS, 1000 / nodeStart), '≥ 200 /s', yes(con.handshakesPerS >= 200)],
    ['Connect → hash OK, p50', `${f1(con.handshakeMs.p50)} ms (p99 ${f1(con.handshakeMs.p99)})`, `node start-up ${f1(nodeStart)} ms`, ratio(con.handshakeMs.p50, nodeStart), '< 30 ms', yes(con.handshakeMs.p50 < 30)],
    [`Memory per idle peer (${idle.open} peers)`, `${f1(perPeer)} MB PSS`, `idle bare node, ${fl.node.sideBySide ?? 1} side by side: ${f1(nodePss)} MB PSS each`, ratio(perPeer, nodePss), '≤ 8 MB', yes(perPeer <= 8)],
  ];
  // plots
  const curve = r.latency.json.results.percentilesMs;
  const dcurve = r.diskLatency.json.results.percentilesMs;
  svgLines({
    title: 'Round trip A→B→A, 64 B: distribution',
    xLabel: 'percentile',
    yLabel: 'ms (log)',
    yLog: true,
    xTicks: [0, 25, 50, 75, 90, 99, 100],
    series: [
      { name: `tmpfs spool (p50 ${f1(lat.p50)})`, points: curve.map((y, q) => [q, y]) },
      { name: `${r.diskFs} spool (p50 ${f1(dl.p50)})`, points: dcurve.map((y, q) => [q, y]) },
      { name: 'floor: chokidar, 2 hops', dashed: true, points: [[0, ipcC.roundTripMs.min], [50, ipcC.roundTripMs.p50], [90, ipcC.roundTripMs.p90], [99, ipcC.roundTripMs.p99], [100, ipcC.roundTripMs.max]] },
      { name: 'floor: fs.watch, 2 hops', dashed: true, points: [[0, ipcW.roundTripMs.min], [50, ipcW.roundTripMs.p50], [90, ipcW.roundTripMs.p90], [99, ipcW.roundTripMs.p99], [100, ipcW.roundTripMs.max]] },
    ],
    file: path.join(perfDir, 'latency.svg'),
  });
  const sweep = r.sweep.map((b) => b.json.results).map((x, i) => ({ size: [64, 1024, 8192, 65536, 262144][i], ...x }));
  svgLines({
    title: 'Throughput against message size (8 pairs)',
    xLabel: 'message size (bytes, log)',
    yLabel: 'delivered (log)',
    xLog: true,
    yLog: true,
    xTicks: [64, 1024, 8192, 65536, 262144],
    series: [
      { name: 'messages/s', points: sweep.map((x) => [x.size, x.msgsPerS]) },
      { name: 'MB/s', points: sweep.map((x) => [x.size, x.MBps]) },
    ],
    file: path.join(perfDir, 'throughput.svg'),
  });
  const table = (head, body) => [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((row) => `| ${row.join(' | ')} |`)].join('\n');
  const benchCpu = (b) => `${f1(b.json.benchCpu?.percentOfCore)} % of one core`;
  const md = `# Performance

Generated by \`node scripts/perf-report.js\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${wasQuick ? ' (quick mode: fewer rounds)' : ''}.
Every figure below was measured in that one run, with its floor, by \`tfgw bench\`
(see [BENCH.md](BENCH.md)) against \`tfgw serve\` on loopback.

## Machine and method

${r.meta.machine}
- spool: ${ramFs} for the main run; the repository's \`spool/\` (${r.diskFs}) for the disk figures
- server: \`tfgw serve --listen 127.0.0.1:PORT --spare-sessions 8 --max-sessions 2000 --max-peers 2000 --log-level warn\`, prefork model${r.inotifyCap ? `\n- the server runs in a user namespace of its own, capped at ${r.inotifyCap} inotify instances (\`scripts/inotify-cap.js\`): its watches never use up the instances the machine's real user shares with other programs; peers past the cap have their inbox polled` : ''}
- the load generator runs on the same two cores; its own CPU is reported with each figure
- floors: the cipher in C (\`gcc -O2\`, built on the fly) against the WebAssembly engine tfgw uses; a
  64-byte round trip between two node processes over loopback TCP; the
  file-IPC round trip and one-way stream between two processes on the spool's file system (write a
  temporary file, rename it into the other's inbox, wake up, read, delete), once with plain \`fs.watch\`
  and once with the chokidar watcher exactly as the server uses it; a bare \`node\` start-up and the PSS
  of an idle bare \`node\` process, alone and as the mean of 20 running side by side.
- steady state: the latency and throughput targets are measured after warm-up round trips or
  messages on the same connections (\`--warmup\`, not counted), three runs each, and the median
  counts; one run with sessions fresh from the pool is kept beside each for reference.

## Targets

${table(['figure', 'tfgw', 'floor', 'ratio', 'target', ''], rows)}

Ratios: tfgw ÷ floor for times and memory, tfgw ÷ floor for rates (so below 1× means slower than the
floor's single stream). Where two floors are given, the first ratio is against \`fs.watch\`, the second
against chokidar.

## Commands

${table(['figure', 'command', 'bench CPU'], [
    ['floors', `\`${r.floor.json ? r.floor.cmd : ''}\``, '—'],
    ['cipher, 1 KiB calls', `\`${r.cipher1k.cmd}\``, '—'],
    ...(r.stream1k ? [['file-IPC floor, 1 KiB files', `\`${r.stream1k.cmd}\``, '—']] : []),
    ...(r.stream64k ? [['file-IPC floor, 64 KiB files', `\`${r.stream64k.cmd}\``, '—']] : []),
    ['latency', `\`${r.latency.cmd}\``, benchCpu(r.latency)],
    ...(r.latencyCold ? [['latency, cold', `\`${r.latencyCold.cmd}\``, benchCpu(r.latencyCold)]] : []),
    ['throughput 1 KiB', `\`${r.tput1k.cmd}\``, benchCpu(r.tput1k)],
    ['throughput 1 KiB, cold', `\`${r.tput1kCold.cmd}\``, benchCpu(r.tput1kCold)],
    ['throughput 64 KiB', `\`${r.tput64k.cmd}\``, benchCpu(r.tput64k)],
    ['connect', `\`${r.connect.cmd}\``, benchCpu(r.connect)],
    ['idle', `\`${r.idle.cmd}\``, benchCpu(r.idle)],
  ])}

Each \`tfgw bench\` command also takes \`--port\`/\`--data-dir\` (or \`--public-key\`/\`--hash\`) to find the server.

## Latency

![round-trip distribution](perf/latency.svg)

${table(['spool', 'p50', 'p90', 'p99', 'p99.9', 'max', 'floor p50 (fs.watch / chokidar)'], [
    [ramFs, f1(lat.p50), f1(lat.p90), f1(lat.p99), f1(lat.p999), f1(lat.max), `${f1(ipcW.roundTripMs.p50)} / ${f1(ipcC.roundTripMs.p50)}`],
    [r.diskFs, f1(dl.p50), f1(dl.p90), f1(dl.p99), f1(dl.p999), f1(dl.max), `${f1(dipcW.roundTripMs.p50)} / ${f1(dipcC.roundTripMs.p50)}`],
  ])}

(ms.) A round trip is two file hops plus four loopback TCP hops and the cipher on both
sides.

## Throughput

![throughput against size](perf/throughput.svg)

${table(['size', 'pairs', 'sent', 'received', 'lost', 'msgs/s', 'MB/s', 'send→delivery p50 ms'], [
    ...sweep.map((x) => [String(x.size), '8', String(x.sent), String(x.received), String(x.lost), f1(x.msgsPerS), f1(x.MBps), f1(x.deliveryMs?.p50)]),
    ['1024 (disk spool)', '8', String(dt.sent), String(dt.received), String(dt.lost), f1(dt.msgsPerS), f1(dt.MBps), f1(dt.deliveryMs?.p50)],
  ])}

File-IPC floor, one stream of 64 B files: ${f1(ipcW.streamMsgsPerS)} msgs/s with \`fs.watch\`,
${f1(ipcC.streamMsgsPerS)} msgs/s with chokidar on ${ramFs}; ${f1(dipcW.streamMsgsPerS)} and
${f1(dipcC.streamMsgsPerS)} msgs/s on ${r.diskFs}.

## Connections and memory

Handshakes: ${f1(con.handshakesPerS)}/s with 4 connectors, connect → hash \`OK\` p50 ${f1(con.handshakeMs.p50)} ms,
p99 ${f1(con.handshakeMs.p99)} ms; a bare \`node\` start-up takes ${f1(nodeStart)} ms at the median.

Idle peers: ${idle.open} held, ${f1(idle.memory?.totalPssMB)} MB PSS in their session processes,
${f1(perPeer)} MB per peer; the listener ${f1(idle.memory?.listener?.pssMB ?? Number.NaN)} MB. An idle bare \`node\` process is ${f1(nodePssAlone)} MB PSS
alone and ${f1(nodePss)} MB each when ${fl.node.sideBySide ?? 1} run side by side (sharing the binary's pages as sessions do).

${require('./perf-reference-table').section(root)}${fs.existsSync(path.join(root, 'docs', 'perf', 'analysis.md')) ? fs.readFileSync(path.join(root, 'docs', 'perf', 'analysis.md'), 'utf8') : ''}`;
  fs.writeFileSync(path.join(root, 'docs', 'PERFORMANCE.md'), md);
  fs.writeFileSync(path.join(perfDir, 'results.json'), `${JSON.stringify(r, null, 1)}\n`);
  log('wrote docs/PERFORMANCE.md, docs/perf/*.svg and docs/perf/results.json');
}

main().catch((err) => {
  process.stderr.write(`perf-report: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
