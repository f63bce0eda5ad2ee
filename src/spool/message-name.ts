/**
 * Message file names (docs/SPOOL.md §3.3, §7.2): reading back which writer made
 * one. tfgw's own pattern is built and parsed in names.ts, with every other name
 * tfgw makes; the patterns other writers are recommended are read here, so a new
 * one is added in one place.
 * Reading a name is only ever informative: the reader delivers a file whatever its
 * name (§8.1), and these patterns are what the spec recommends writers use.
 */

import { parseMessageName as parseTfgwName } from './names';

export { isMessageName, messageName } from './names';

/** The Maildir-style name of §7.2 that another writer uses: `<ms>.P<pid>Q<seq>.<host>`. */
export function maildirName(ms: number, pid: number, seq: number, host: string): string {
  return `${pad(ms, 13)}.P${pid}Q${pad(seq, 10)}.${host.replace(/[/:]/g, '')}`;
}

/** `<ms>.<unique>.<host>`: the unique part has no dot, the host has no `/` or `:` (it may have dots). */
const MAILDIR_NAME = /^(\d{13})\.([^./:]+)\.([^/:]+)$/;
/** The recommended unique part, `P<pid>Q<seq>`, which names the writing process. */
const MAILDIR_UNIQUE = /^P(\d+)Q(\d+)$/;

/** What a message's name says about its writer. */
export type MessageNameParts =
  | { pattern: 'tfgw'; ms: number; pid: number; seq: number; node: string; suffix: string }
  | { pattern: 'maildir'; ms: number; unique: string; host: string; pid: number | null; seq: number | null }
  | { pattern: 'other' };

export function parseMessageName(name: string): MessageNameParts {
  const tfgw = parseTfgwName(name);
  if (tfgw) return { pattern: 'tfgw', ...tfgw };
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

/** The writer a name reveals, for listings: `tfgw pid 5028`, `pid 4711 on gw1`, or `unknown`. */
export function describeWriter(parts: MessageNameParts): string {
  switch (parts.pattern) {
    case 'tfgw':
      return `tfgw pid ${parts.pid} on ${parts.node}`;
    case 'maildir':
      return parts.pid === null ? `${parts.unique} on ${parts.host}` : `pid ${parts.pid} on ${parts.host}`;
    default:
      return 'unknown';
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
