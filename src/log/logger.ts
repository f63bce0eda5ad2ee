/** Structured logs to stderr, as text lines or JSON lines, from every process. */
import type { LogFormat, LogLevel } from '../settings/values';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, string | number | boolean | null | undefined>;

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
    if (RANK[level] < RANK[this.level]) return;
    const time = new Date().toISOString();
    if (this.format === 'json') {
      this.out(`${JSON.stringify({ time, level, role: this.role, pid: process.pid, msg, ...fields })}\n`);
      return;
    }
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : v}`)
      .join(' ');
    this.out(`${time} ${level.toUpperCase().padEnd(5)} ${this.role}[${process.pid}] ${msg}${extra ? ` ${extra}` : ''}\n`);
  }
}
