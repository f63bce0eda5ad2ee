/**
 * Structured logs to stderr, as text lines or JSON lines, from every process.
 * JSON lines carry pino's fields, so pino's tools read them: `level` as pino's
 * number (debug 20, info 30, warn 40, error 50), `time` in milliseconds since the
 * epoch, `pid`, `hostname`, `msg`, plus `role`. A caller's field never replaces
 * one of these: it is written as `field_<name>` instead.
 */
import { hostname } from 'node:os';
import type { LogFormat, LogLevel } from '../settings/values';

/** pino's level numbers. */
export const LEVEL_NUMBERS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** The fields every JSON line has; callers' fields of the same name get a `field_` prefix. */
const RESERVED = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'role']);

const HOST = hostname();

export type Fields = Record<string, string | number | boolean | null | undefined>;

/** One JSON log line (without its newline). */
export function jsonLine(level: LogLevel, msg: string, role: string, fields: Fields, now = Date.now()): string {
  const line: Record<string, unknown> = { level: LEVEL_NUMBERS[level], time: now, pid: process.pid, hostname: HOST, role, msg };
  for (const [key, value] of Object.entries(fields)) line[RESERVED.has(key) ? `field_${key}` : key] = value;
  return JSON.stringify(line);
}

export class Logger {
  constructor(
    public level: LogLevel,
    private readonly format: LogFormat,
    private readonly role: string,
    private readonly out: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  debug(msg: string, fields?: Fields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Fields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Fields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Fields): void {
    this.log('error', msg, fields);
  }

  log(level: LogLevel, msg: string, fields: Fields = {}): void {
    if (LEVEL_NUMBERS[level] < LEVEL_NUMBERS[this.level]) return;
    if (this.format === 'json') {
      this.out(`${jsonLine(level, msg, this.role, fields)}\n`);
      return;
    }
    const time = new Date().toISOString();
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : v}`)
      .join(' ');
    this.out(`${time} ${level.toUpperCase().padEnd(5)} ${this.role}[${process.pid}] ${msg}${extra ? ` ${extra}` : ''}\n`);
  }
}
