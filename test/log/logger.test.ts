import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { LEVEL_NUMBERS, Logger, jsonLine } from '../../src/log/logger';

describe('logger', () => {
  it('writes JSON lines with pino fields: level number, time in ms, pid, hostname, msg, role', () => {
    const lines: string[] = [];
    const log = new Logger('debug', 'json', 'listener', (line) => lines.push(line));
    const before = Date.now();
    log.warn('disk low', { free: 3 });
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.ok(lines[0]!.endsWith('}\n'));
    assert.equal(entry.level, 40);
    assert.equal(typeof entry.time, 'number');
    assert.ok((entry.time as number) >= before && (entry.time as number) <= Date.now());
    assert.equal(entry.pid, process.pid);
    assert.equal(entry.hostname, hostname());
    assert.equal(entry.msg, 'disk low');
    assert.equal(entry.role, 'listener');
    assert.equal(entry.free, 3);
  });

  it('uses pino level numbers', () => {
    assert.deepEqual(LEVEL_NUMBERS, { debug: 20, info: 30, warn: 40, error: 50 });
  });

  it('never lets a field replace one of its own; the field gets a field_ prefix', () => {
    const entry = JSON.parse(jsonLine('info', 'm', 'session', { time: 'noon', level: 'x', msg: 'y', pid: 1, hostname: 'h', role: 'r', other: 1 }, 5));
    assert.deepEqual(entry, {
      level: 30, time: 5, pid: process.pid, hostname: hostname(), role: 'session', msg: 'm',
      field_time: 'noon', field_level: 'x', field_msg: 'y', field_pid: 1, field_hostname: 'h', field_role: 'r', other: 1,
    });
  });

  it('drops lines below its level, and follows a changed level', () => {
    const lines: string[] = [];
    const log = new Logger('warn', 'json', 't', (line) => lines.push(line));
    log.info('hidden');
    log.debug('hidden');
    log.error('shown');
    log.level = 'debug';
    log.debug('now shown');
    assert.deepEqual(lines.map((l) => JSON.parse(l).msg), ['shown', 'now shown']);
  });

  it('keeps the text format: ISO time, upper-case level, role[pid], key=value', () => {
    const lines: string[] = [];
    new Logger('info', 'text', 'listener', (line) => lines.push(line)).info('listening', { addresses: 'a b', n: 1, gone: undefined });
    assert.match(lines[0]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z INFO  listener\\[${process.pid}\\] listening addresses="a b" n=1\\n$`));
  });
});
