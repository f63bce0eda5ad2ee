import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processCpuMs, startCpuWindow } from '../../src/bench/idle-cpu';

describe('idle CPU', () => {
  it('reads a process CPU time, which grows while it works', () => {
    const before = processCpuMs(process.pid);
    assert.ok(before !== null && before >= 0);
    const end = Date.now() + 60;
    while (Date.now() < end) Math.sqrt(Math.random());
    assert.ok(processCpuMs(process.pid)! >= before + 10, 'a 60 ms busy loop shows at 10 ms ticks');
  });

  it('gives null for a process that is not there', () => {
    assert.equal(processCpuMs(2 ** 22 + 1), null);
  });

  it('counts the processes readable at both ends of a window and their CPU per second', () => {
    let t = 0;
    const read = startCpuWindow([process.pid, 2 ** 22 + 1], () => t);
    const end = Date.now() + 60;
    while (Date.now() < end) Math.sqrt(Math.random());
    t = 2000;
    const cpu = read();
    assert.equal(cpu.processes, 1);
    assert.equal(cpu.windowS, 2);
    assert.ok(cpu.msPerS >= 5, `${cpu.msPerS} ms/s`);
  });
});
