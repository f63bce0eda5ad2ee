#!/usr/bin/env node
// Prints cipher throughput in ns/byte for C, WebAssembly and JavaScript.
// Usage (after `npx tsc -p .`): node scripts/bench-cipher.js [MIB] [CALL_SIZE...]
// Defaults: 64 MiB in calls of 65536 and of 1024 bytes.
'use strict';

const path = require('node:path');
const { benchCipher } = require(path.join(__dirname, '..', 'dist', 'src', 'bench', 'cipher-bench.js'));

async function main() {
  const [mib = '64', ...sizes] = process.argv.slice(2);
  const bytes = Number(mib) * 1024 * 1024;
  const callSizes = sizes.length > 0 ? sizes.map(Number) : [65536, 1024];
  const fmt = (t) => (t === null ? 'n/a' : `enc ${t.enc.toFixed(2)}  dec ${t.dec.toFixed(2)}`);
  for (const callSize of callSizes) {
    const r = await benchCipher({ bytes, callSize });
    console.log(`${mib} MiB in ${callSize}-byte calls (ns/byte)`);
    console.log(`  C     ${fmt(r.cNsPerByte)}`);
    console.log(`  wasm  ${fmt(r.wasm)}`);
    console.log(`  js    ${fmt(r.js)}`);
    if (r.cNsPerByte !== null) {
      const c = r.cNsPerByte;
      console.log(`  wasm/C  enc ${(r.wasm.enc / c.enc).toFixed(2)}x  dec ${(r.wasm.dec / c.dec).toFixed(2)}x`);
    }
    console.log(JSON.stringify({ callSize, ...r }));
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
