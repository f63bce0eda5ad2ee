import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type Health, startMetricsServer } from '../../src/listener/http-endpoint';
import type { Snapshot } from '../../src/listener/metrics';
import { ProcessCounters } from '../../src/spool/process-counters';
import { httpGet, metricValue } from '../helpers/http-get';

function send(port: number, method: string, url: string): Promise<{ status: number; allow?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: url }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics HTTP endpoint', () => {
  let server: Server;
  let base: string;
  let port: number;
  let health: Health = { ok: true, detail: { model: 'prefork' } };
  const snapshot = (): Snapshot => ({
    node: 'gw-1',
    idle: 2,
    busy: 1,
    peers: 1,
    nodePeers: 1,
    inboxDepthTotal: 0,
    inboxDepthMax: 0,
    totals: new ProcessCounters(),
    processesStarted: 3,
    processesCrashed: 0,
  });

  before(async () => {
    const started = await startMetricsServer(
      '127.0.0.1:0',
      snapshot,
      () => health,
    );
    server = started.server;
    port = started.port;
    assert.ok(port > 0, 'the port asked as 0 is resolved');
    base = `http://127.0.0.1:${port}`;
  });
  after(() => server.close());

  it('answers /metrics with Prometheus text from the snapshot', async () => {
    const res = await httpGet(`${base}/metrics?x=1`);
    assert.equal(res.status, 200);
    assert.equal(metricValue(res.body, 'tfgw_sessions{state="idle"}'), 2);
    assert.equal(metricValue(res.body, 'tfgw_session_processes_started_total'), 3);
  });

  it('answers /healthz 200 when healthy and 503 when not, with the detail as JSON', async () => {
    health = { ok: true, detail: { model: 'prefork' } };
    let res = await httpGet(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), health);
    health = { ok: false, detail: { stopping: true } };
    res = await httpGet(`${base}/healthz`);
    assert.equal(res.status, 503);
    assert.deepEqual(JSON.parse(res.body), health);
  });

  it('answers 404 for other paths', async () => {
    const res = await httpGet(`${base}/nothing`);
    assert.equal(res.status, 404);
  });

  it('answers 405 to methods other than GET and HEAD', async () => {
    const res = await send(port, 'POST', '/metrics');
    assert.equal(res.status, 405);
    assert.equal(res.allow, 'GET, HEAD');
    assert.equal((await send(port, 'HEAD', '/metrics')).status, 200);
  });
});
