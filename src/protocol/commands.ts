/**
 * Command parsing and the replies of the commands that need nothing but a clock,
 * a random source and a little session context. Names match case-insensitively.
 */
import { FAILED_KEEPALIVE, FAILED_MISSING_PARAMETER, OK, UNKNOWN } from './replies';

export interface ParsedCommand {
  /** Command name with ASCII letters upper-cased (other bytes are kept, so they never match). */
  name: string;
  /** Everything after the first space, as text (may be empty). */
  args: string;
  /** The same bytes as `args`, untouched (ECHO returns them as they came). */
  rawArgs: Buffer;
}

export function parseCommand(payload: Buffer): ParsedCommand {
  // Commands end at a NUL, as C strings do in the reference server.
  let end = payload.indexOf(0);
  if (end < 0) end = payload.length;
  const bytes = payload.subarray(0, end);
  const space = bytes.indexOf(0x20);
  const nameBytes = space < 0 ? bytes : bytes.subarray(0, space);
  const rawArgs = space < 0 ? Buffer.alloc(0) : bytes.subarray(space + 1);
  // latin1 maps each byte to one character, so only ASCII a-z can fold.
  const name = nameBytes
    .toString('latin1')
    .trim()
    .replace(/[a-z]/g, (c) => c.toUpperCase());
  return { name, args: rawArgs.toString('utf8'), rawArgs };
}

export interface KeepaliveRequest {
  enable: boolean;
  idle: number;
  interval: number;
  count: number;
}

/**
 * Parses `KEEPALIVE <1|0> <idle> | <interval> | <count>` (what the reference clients
 * send); plain spaces between the numbers are accepted too. Disabling needs no
 * numbers. Returns null when malformed.
 */
export function parseKeepalive(args: string): KeepaliveRequest | null {
  const parts = args.trim().split(/[\s|]+/).filter((p) => p.length > 0);
  if (parts.length === 0 || !/^[01]$/.test(parts[0]!)) return null;
  const enable = parts[0] === '1';
  if (!enable) return { enable, idle: 0, interval: 0, count: 0 };
  if (parts.length !== 4) return null;
  const nums = parts.slice(1).map((p) => (/^\d{1,9}$/.test(p) ? Number(p) : Number.NaN));
  if (nums.some((n) => !Number.isInteger(n) || n <= 0 || n > 0x7fff)) return null;
  const [idle, interval, count] = nums as [number, number, number];
  // TCP_USER_TIMEOUT (idle + interval × count, in ms) must fit the kernel's int:
  // refused here, before anything is applied, rather than half applied.
  if ((idle + interval * count) * 1000 > USER_TIMEOUT_MAX_MS) return null;
  return { enable, idle, interval, count };
}

/** The largest TCP_USER_TIMEOUT the kernel takes (a C int of milliseconds). */
export const USER_TIMEOUT_MAX_MS = 0x7fffffff;

/** What a command needs from the session around it. */
export interface CommandContext {
  /** Wall clock as nanoseconds since the epoch. */
  nowNs(): bigint;
  uuid(): string;
  /** The key that names this connection's server-side session (reference form: `/<unix seconds><pid>`). */
  procKey: string;
  /** Applies TCP keepalive; false when the socket refused. */
  keepalive(req: KeepaliveRequest): boolean;
}

/** What the session does with a command. */
export type CommandOutcome =
  | { kind: 'reply'; text: string | Buffer }
  | { kind: 'end' }
  | { kind: 'gateway' };

export function runCommand(cmd: ParsedCommand, ctx: CommandContext): CommandOutcome {
  switch (cmd.name) {
    case 'END':
      return { kind: 'end' };
    case 'XS_GATEWAY':
      return { kind: 'gateway' };
    case 'ECHO':
      return { kind: 'reply', text: cmd.rawArgs };
    case 'KEEPALIVE': {
      const req = parseKeepalive(cmd.args);
      if (req === null) return { kind: 'reply', text: FAILED_MISSING_PARAMETER };
      return { kind: 'reply', text: ctx.keepalive(req) ? OK : FAILED_KEEPALIVE };
    }
    case 'PROCKEY':
      return reply(ctx.procKey);
    case 'GENUUID':
      return reply(ctx.uuid());
    case 'DATE':
      return reply(formatSeconds(ctx.nowNs()));
    case 'UDATE':
      return reply(formatFraction(ctx.nowNs(), 1000n, 6));
    case 'NDATE':
      return reply(formatFraction(ctx.nowNs(), 1n, 9));
    case 'DATEF':
      return reply(formatDateTime(ctx.nowNs()));
    default:
      return { kind: 'reply', text: UNKNOWN };
  }
}

function reply(data: string): CommandOutcome {
  return { kind: 'reply', text: `${OK} ${data}` };
}

function formatSeconds(ns: bigint): string {
  return (ns / 1_000_000_000n).toString();
}

function formatFraction(ns: bigint, unit: bigint, digits: number): string {
  const seconds = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n) / unit;
  return `${seconds}.${frac.toString().padStart(digits, '0')}`;
}

function formatDateTime(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
