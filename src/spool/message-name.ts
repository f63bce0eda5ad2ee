/**
 * Message file names (docs/SPOOL.md §3.3, §7.2): making tfgw's own, and reading
 * back which writer made one. Every part of tfgw that takes a name apart does it
 * here, so a new pattern (or a new field in tfgw's own) is added in one place.
 * Reading a name is only ever informative: the reader delivers a file whatever its
 * name (§8.1), and these patterns are what the spec recommends writers use.
 */

/**
 * tfgw's own names sort in send order for each sender: 13-digit milliseconds
 * (never decreasing within a process), 7-digit sender pid, 10-digit per-process
 * sequence number.
 */
export function messageName(ms: number, pid: number, seq: number): string {
  return `${pad(ms, 13)}-${pad(pid, 7)}-${pad(seq, 10)}`;
}

/** The Maildir-style name of §7.2 that another writer uses: `<ms>.P<pid>Q<seq>.<host>`. */
export function maildirName(ms: number, pid: number, seq: number, host: string): string {
  return `${pad(ms, 13)}.P${pid}Q${pad(seq, 10)}.${host.replace(/[/:]/g, '')}`;
}

const TFGW_NAME = /^(\d{13})-(\d{7})-(\d{10})$/;
/** `<ms>.<unique>.<host>`: the unique part has no dot, the host has no `/` or `:` (it may have dots). */
const MAILDIR_NAME = /^(\d{13})\.([^./:]+)\.([^/:]+)$/;
/** The recommended unique part, `P<pid>Q<seq>`, which names the writing process. */
const MAILDIR_UNIQUE = /^P(\d+)Q(\d+)$/;

/** What a message's name says about its writer. */
export type MessageNameParts =
  | { pattern: 'tfgw'; ms: number; pid: number; seq: number }
  | { pattern: 'maildir'; ms: number; unique: string; host: string; pid: number | null; seq: number | null }
  | { pattern: 'other' };

export function parseMessageName(name: string): MessageNameParts {
  const tfgw = TFGW_NAME.exec(name);
  if (tfgw) return { pattern: 'tfgw', ms: Number(tfgw[1]), pid: Number(tfgw[2]), seq: Number(tfgw[3]) };
  const maildir = MAILDIR_NAME.exec(name);
  if (maildir) {
    const unique = MAILDIR_UNIQUE.exec(maildir[2]!);
    return {
      pattern: 'maildir',
      ms: Number(maildir[1]),
      unique: maildir[2]!,
      host: maildir[3]!,
      pid: unique ? Number(unique[1]) : null,
      seq: unique ? Number(unique[2]) : null,
    };
  }
  return { pattern: 'other' };
}

/** tfgw's own name, the only one its own writers make (tests and bookkeeping use it). */
export function isMessageName(name: string): boolean {
  return parseMessageName(name).pattern === 'tfgw';
}

/** The writer a name reveals, for listings: `tfgw pid 5028`, `pid 4711 on gw1`, or `unknown`. */
export function describeWriter(parts: MessageNameParts): string {
  switch (parts.pattern) {
    case 'tfgw':
      return `tfgw pid ${parts.pid}`;
    case 'maildir':
      return parts.pid === null ? `${parts.unique} on ${parts.host}` : `pid ${parts.pid} on ${parts.host}`;
    default:
      return 'unknown';
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
