import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { ConnectResults } from '../../src/bench/connect';
import type { FloorResults } from '../../src/bench/floor';
import type { IdleResults } from '../../src/bench/idle';
import type { LatencyResults } from '../../src/bench/latency';
import type { BenchReport } from '../../src/bench/report';
import type { ThroughputResults } from '../../src/bench/throughput';
import { FakeGateway } from '../helpers/fake-gateway';
import { type ServerHandle, TFGW_BIN, startServer } from '../helpers/tfgw-server';

const run = promisify(execFile);

type Report<R> = Omit<BenchReport, 'results'> & { results: R };

/** Runs `tfgw bench <args> --json --no-progress` and parses its one JSON object. */
async function bench<R>(args: string[]): Promise<Report<R>> {
  const { stdout } = await run(process.execPath, [TFGW_BIN, 'bench', ...args, '--json', '--no-progress'], {
    timeout: 30_000,
  });
  return JSON.parse(stdout) as Report<R>;
}

function assertShape(report: Report<unknown>, mode: string): void {
  assert.equal(report.mode, mode);
  assert.equal(typeof report.params, 'object');
  assert.equal(typeof report.results, 'object');
  assert.equal(typeof report.ratios, 'object');
  assert.ok(Array.isArray(report.warnings));
}

function assertCpu(report: Report<unknown>, processes: number): void {
  const cpu = report.benchCpu!;
  assert.ok(cpu);
  assert.equal(cpu.processes, processes);
  assert.equal(cpu.perProcess.length, processes);
  assert.ok(cpu.percentOfCore >= 0 && Number.isFinite(cpu.percentOfCore));
}

describe('tfgw bench against the real server', () => {
  let server: ServerHandle;
  let target: string[];
  before(async () => {
    server = await startServer();
    target = ['--port', String(server.port), '--data-dir', server.dataDir];
  });
  after(async () => {
    await server.stop();
  });

  it('latency: one timed result per round trip', async () => {
    const r = await bench<LatencyResults>(['latency', ...target, '--count', '20', '--warmup', '2', '--size', '32']);
    assertShape(r, 'latency');
    assertCpu(r, 2);
    assert.equal(r.results.rounds + r.results.lost, 20);
    assert.equal(r.results.lost, 0);
    const rtt = r.results.roundTripMs!;
    assert.equal(rtt.count, 20);
    assert.ok(rtt.min > 0 && rtt.min <= rtt.p50 && rtt.p50 <= rtt.p99 && rtt.p99 <= rtt.max);
  });

  it('throughput: a small run delivers everything it sent', async () => {
    const r = await bench<ThroughputResults>(['throughput', ...target, '--pairs', '2', '--messages', '50', '--workers', '2', '--quiet', '3000']);
    assertShape(r, 'throughput');
    assertCpu(r, 3);
    assert.equal(r.results.sent, 100);
    assert.equal(r.results.received, r.results.sent);
    assert.equal(r.results.lost, 0);
    assert.equal(r.results.outOfOrder, 0);
    assert.ok(r.results.msgsPerS > 0 && r.results.MBps > 0);
    assert.equal(r.results.deliveryMs!.count, 100);
  });

  it('throughput: a bounded window still delivers everything', async () => {
    const r = await bench<ThroughputResults>(['throughput', ...target, '--pairs', '1', '--messages', '40', '--window', '2', '--quiet', '3000']);
    assert.equal(r.results.received, 40);
    assert.equal(r.results.windowStalls, 0);
  });

  it('connect: every connection completes and is timed', async () => {
    const r = await bench<ConnectResults>(['connect', ...target, '--connections', '6', '--concurrency', '2']);
    assertShape(r, 'connect');
    assertCpu(r, 2);
    assert.equal(r.results.completed, 6);
    assert.equal(r.results.failed, 0);
    assert.equal(r.results.handshakeMs!.count, 6);
    assert.ok(r.results.handshakesPerS > 0);
  });

  it('idle: holds the peers and reads their sessions from the spool', async () => {
    const r = await bench<IdleResults>(['idle', ...target, '--peers', '3', '--hold', '0.2', '--spool', server.spool]);
    assertShape(r, 'idle');
    assert.equal(r.results.open, 3);
    const memory = r.results.memory!;
    assert.equal(memory.sessions, 3);
    if (process.platform === 'linux') {
      assert.equal(memory.measured, 3);
      assert.ok(memory.totalPssMB > 0 && memory.perSessionPssMB! > 0);
    }
    assert.ok(await server.waitFor(() => server.spoolEntries().length === 0));
  });
});

/**
 * The bench speaks only the protocol: pointed at another implementation (here a
 * single process relaying in memory, with its own key, version and hash) every
 * mode runs the same; only the memory reading needs a tfgw spool.
 */
describe('tfgw bench against another gateway implementation', () => {
  let gateway: FakeGateway;
  let dir: string;
  let target: string[];
  before(async () => {
    gateway = await FakeGateway.start({ version: '2.1', hash: 'another-hash' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'tfgw-other-'));
    const keyFile = path.join(dir, 'public.pem');
    writeFileSync(keyFile, gateway.publicKey.export({ type: 'spki', format: 'pem' }));
    target = ['--port', String(gateway.port), '--proto', '2.1', '--public-key', keyFile, '--hash', 'another-hash'];
  });
  after(async () => {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('latency', async () => {
    const r = await bench<LatencyResults>(['latency', ...target, '--count', '20', '--warmup', '2']);
    assert.equal(r.results.rounds, 20);
    assert.equal(r.results.lost, 0);
  });

  it('throughput, with warm-up messages that are not counted', async () => {
    const r = await bench<ThroughputResults>(['throughput', ...target, '--pairs', '2', '--messages', '60', '--warmup', '30', '--workers', '2']);
    assert.equal(r.results.sent, 120);
    assert.equal(r.results.received, 120);
    assert.equal(r.results.outOfOrder, 0);
    assert.equal(r.results.deliveryMs!.count, 120);
  });

  it('connect', async () => {
    const r = await bench<ConnectResults>(['connect', ...target, '--connections', '6', '--concurrency', '2']);
    assert.equal(r.results.completed, 6);
    assert.equal(r.results.failed, 0);
  });

  it('idle (no memory reading without a tfgw spool)', async () => {
    const r = await bench<IdleResults>(['idle', ...target, '--peers', '3', '--hold', '0.2']);
    assert.equal(r.results.open, 3);
    assert.equal(r.results.failed, 0);
    assert.equal(r.results.memory ?? null, null);
  });

  it('a wrong hash is counted as a failed connection, with the server\'s reply, and the exit status says so', async () => {
    const args = [TFGW_BIN, 'bench', 'connect', ...target.slice(0, -1), 'not-the-hash', '--connections', '1', '--json', '--no-progress'];
    const failure = await run(process.execPath, args).then(
      () => null,
      (err: { code: number; stdout: string }) => err,
    );
    assert.ok(failure, 'the run must not exit 0');
    assert.notEqual(failure.code, 0);
    const r = JSON.parse(failure.stdout) as Report<ConnectResults>;
    assert.equal(r.results.completed, 0);
    assert.equal(r.results.failed, 1);
    assert.deepEqual(Object.keys(r.results.failures), ['hash: server replied "FAILED 3 : Invalid hash string."']);
  });
});

describe('tfgw bench floor', () => {
  it('file IPC: times hops, round trips and a stream, and cleans up', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tfgw-floor-'));
    try {
      const r = await bench<FloorResults>(['floor', '--only', 'ipc', '--spool', dir, '--rounds', '20', '--warmup', '2', '--stream', '100']);
      assertShape(r, 'floor');
      for (const kind of ['fsWatch', 'chokidar'] as const) {
        const f = r.results.ipc![kind];
        assert.equal(f.roundTripMs!.count, 20, kind);
        assert.equal(f.oneHopMs!.count, 40, kind);
        assert.ok(f.oneHopMs!.p50 > 0 && f.oneHopMs!.p50 <= f.roundTripMs!.p50, kind);
        assert.ok(f.streamMsgsPerS > 0, kind);
      }
      assert.equal(r.results.cipher, undefined);
      assert.ok(typeof r.ratios['ipc.chokidar.roundTripMs.p50'] === 'number');
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
