/**
 * The kinds of values a setting takes: how each is read from text (an environment
 * variable, a flag's argument, a value of the config file) and checked, and the
 * enumerations other layers share (the spool's conflict policy, the logger's level
 * and format), declared here once. A parser's error says what it expected and
 * quotes what it got; the loader adds where the value came from.
 */
import { parseListenAddress } from './address';
import { isNodeId } from '../spool/names';

export const CONFLICT_POLICIES = ['takeover', 'refuse'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** `prefork`: processes started ahead of need accept connections themselves; `spawn`: one started per connection. */
export const PROCESS_MODELS = ['prefork', 'spawn'] as const;
export type ProcessModel = (typeof PROCESS_MODELS)[number];

/** Reads a setting from text; throws an error saying what was expected. */
export interface Parser<T> {
  /** One text value. */
  one(text: string): T;
  /** Several (a repeated flag, a JSON array); absent: the setting takes a single value. */
  many?(texts: string[]): T;
}

export function int(min: number, max: number): Parser<number> {
  return {
    one(text) {
      const n = Number(text);
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`expected an integer in ${min}..${max}, got ${JSON.stringify(text)}`);
      return n;
    },
  };
}

export function oneOf<const V extends string>(...values: readonly V[]): Parser<V> {
  return {
    one(text) {
      if (!(values as readonly string[]).includes(text)) throw new Error(`expected one of ${values.join(', ')}, got ${JSON.stringify(text)}`);
      return text as V;
    },
  };
}

export const str: Parser<string> = { one: (text) => text };

/** A node id (docs/SPOOL.md §3.2): what every name a process makes in the spool carries. */
export const nodeIdText: Parser<string> = {
  one(text) {
    if (!isNodeId(text)) throw new Error(`expected a node id of 1 to 63 characters a-z 0-9 _ -, starting with a letter or digit, got ${JSON.stringify(text)}`);
    return text;
  },
};

export const bool: Parser<boolean> = {
  one(text) {
    if (/^(1|true|yes|on)$/i.test(text)) return true;
    if (/^(0|false|no|off)$/i.test(text)) return false;
    throw new Error(`expected true or false, got ${JSON.stringify(text)}`);
  },
};

/** Comma-separated; a repeated flag or a JSON array adds up the items of each. */
export const list: Parser<string[]> = {
  one: (text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  many: (texts) => texts.flatMap((text) => list.one(text)),
};

/** Listening addresses (as `list`), each checked as `host:port` when read, not when first used. */
export const addresses: Parser<string[]> = {
  one: (text) => checked(list.one(text)),
  many: (texts) => checked(list.many!(texts)),
};

function checked(items: string[]): string[] {
  for (const item of items) parseListenAddress(item);
  return items;
}

/** One listening address, or empty for off. */
export const optionalAddress: Parser<string> = {
  one(text) {
    if (text !== '') parseListenAddress(text);
    return text;
  },
};
