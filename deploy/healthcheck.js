#!/usr/bin/env node
// The container's health check: GET /healthz on the metrics endpoint named by
// TFGW_METRICS_LISTEN (a wildcard host is asked on loopback). Exit 0 on 200, 1
// otherwise. Plain node, so the image needs no curl or wget.
'use strict';
const http = require('node:http');

const address = process.env.TFGW_METRICS_LISTEN || '127.0.0.1:9346';
const match = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
if (!match) {
  process.stderr.write(`healthcheck: cannot read TFGW_METRICS_LISTEN=${address}\n`);
  process.exit(1);
}
const wildcard = { '0.0.0.0': '127.0.0.1', '::': '::1', '': '127.0.0.1' };
const host = wildcard[match[1]] ?? match[1];
const request = http.get({ host, port: Number(match[2]), path: '/healthz', timeout: 3000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', (error) => {
  process.stderr.write(`healthcheck: ${error.message}\n`);
  process.exit(1);
});
