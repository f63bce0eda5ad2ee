/**
 * Server settings: embedded defaults, overridden in turn by a JSON config file,
 * `TFGW_*` environment variables and command-line flags. Every setting has one
 * entry in `SETTINGS`, which says how to parse it from text (env and flags) and
 * checks values from JSON.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type ConflictPolicy = 'takeover' | 'refuse';
export type LogFormat = 'text' | 'json';
export type ProcessModel = 'prefork' | 'spawn';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ServerConfig {
  listen: string[];
  proto: string;
  /** Empty: generated on first start and kept in the data directory. */
  hash: string;
  /** Empty: `<dataDir>/private.pem`, generated on first start. */
  key: string;
  dataDir: string;
  spool: string;
  maxSessions: number;
  maxPeers: number;
  /** `prefork`: processes started ahead of need accept connections themselves; `spawn`: one started per connection. */
  processModel: ProcessModel;
  /** Idle session processes kept waiting for connections (prefork). */
  spareSessions: number;
  /** A session process exits after serving this many connections (prefork). */
  recycleAfter: number;
  conflictPolicy: ConflictPolicy;
  handshakeTimeoutMs: number;
  handshakeFrameLimit: number;
  idleTimeoutMs: number;
  acceptDegenerateKeys: boolean;
  staleMs: number;
  inboxMaxFiles: number;
  inboxMaxBytes: number;
  /** Disconnect a client whose inbox stays full this long; 0: never (messages are dropped instead). */
  slowReceiverTimeoutMs: number;
  /** Per-connection inbound limit in bytes per second; 0: off. */
  rateLimitBytes: number;
  shutdownDrainMs: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** host:port of the /metrics and /healthz endpoint; empty: off. */
  metricsListen: string;
}

/** The repository (package) root: defaults live beside the code, whatever the working directory. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

export function defaultConfig(): ServerConfig {
  return {
    listen: ['0.0.0.0:10346'],
    proto: '0.0',
    hash: '',
    key: '',
    dataDir: path.join(PACKAGE_ROOT, 'data'),
    spool: path.join(PACKAGE_ROOT, 'spool'),
    maxSessions: 1024,
    maxPeers: 1024,
    processModel: 'prefork',
    spareSessions: 4,
    recycleAfter: 1000,
    conflictPolicy: 'takeover',
    handshakeTimeoutMs: 10_000,
    handshakeFrameLimit: 4096,
    idleTimeoutMs: 0,
    acceptDegenerateKeys: false,
    staleMs: 10_000,
    inboxMaxFiles: 10_000,
    inboxMaxBytes: 256 * 1024 * 1024,
    slowReceiverTimeoutMs: 0,
    rateLimitBytes: 0,
    shutdownDrainMs: 5_000,
    logLevel: 'info',
    logFormat: 'text',
    metricsListen: '',
  };
}

type Parser = (text: string) => unknown;

const int =
  (min: number, max: number): Parser =>
  (text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`expected an integer in ${min}..${max}`);
    return n;
  };
const oneOf =
  (...values: string[]): Parser =>
  (text) => {
    if (!values.includes(text)) throw new Error(`expected one of ${values.join(', ')}`);
    return text;
  };
const str: Parser = (text) => text;
const bool: Parser = (text) => {
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new Error('expected true or false');
};
const list: Parser = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export const SETTINGS: Record<keyof ServerConfig, Parser> = {
  listen: list,
  proto: str,
  hash: str,
  key: str,
  dataDir: str,
  spool: str,
  maxSessions: int(1, 100_000),
  maxPeers: int(1, 100_000),
  processModel: oneOf('prefork', 'spawn'),
  spareSessions: int(1, 1000),
  recycleAfter: int(1, 1_000_000),
  conflictPolicy: oneOf('takeover', 'refuse'),
  handshakeTimeoutMs: int(100, 3_600_000),
  handshakeFrameLimit: int(256, 524_288),
  idleTimeoutMs: int(0, 86_400_000),
  acceptDegenerateKeys: bool,
  staleMs: int(2_000, 3_600_000),
  inboxMaxFiles: int(1, 10_000_000),
  inboxMaxBytes: int(1024, Number.MAX_SAFE_INTEGER),
  slowReceiverTimeoutMs: int(0, 86_400_000),
  rateLimitBytes: int(0, Number.MAX_SAFE_INTEGER),
  shutdownDrainMs: int(0, 600_000),
  logLevel: oneOf('debug', 'info', 'warn', 'error'),
  logFormat: oneOf('text', 'json'),
  metricsListen: str,
};

/** `maxSessions` → `TFGW_MAX_SESSIONS`. */
export function envName(key: string): string {
  return `TFGW_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Applies text values (from env or flags) onto `config`, naming the source in errors. */
export function applyText(config: ServerConfig, values: Partial<Record<keyof ServerConfig, string | string[]>>, source: string): void {
  for (const [key, raw] of Object.entries(values) as [keyof ServerConfig, string | string[] | undefined][]) {
    if (raw === undefined) continue;
    const parse = SETTINGS[key];
    try {
      if (Array.isArray(raw) && parse !== list) throw new Error('expected a single value');
      const parsed = Array.isArray(raw) ? raw.flatMap((r) => list(r) as string[]) : parse(raw);
      (config as unknown as Record<string, unknown>)[key] = parsed;
    } catch (err) {
      throw new Error(`${source} ${key}: ${(err as Error).message}`);
    }
  }
}

export function fromEnv(env: NodeJS.ProcessEnv): Partial<Record<keyof ServerConfig, string>> {
  const out: Partial<Record<keyof ServerConfig, string>> = {};
  for (const key of Object.keys(SETTINGS) as (keyof ServerConfig)[]) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/** Reads a JSON config file; values may be JSON types or text. Unknown keys are errors. */
export function fromFile(file: string): Partial<Record<keyof ServerConfig, string | string[]>> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const out: Partial<Record<keyof ServerConfig, string | string[]>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in SETTINGS)) throw new Error(`config file ${file}: unknown setting ${key}`);
    if (Array.isArray(value)) out[key as keyof ServerConfig] = value.map(String);
    else out[key as keyof ServerConfig] = String(value);
  }
  return out;
}

/**
 * Builds the effective configuration. `flags` holds only the flags given on the
 * command line; a config file is taken from the flags, else from TFGW_CONFIG.
 */
export function loadConfig(
  flags: Partial<Record<keyof ServerConfig, string | string[]>>,
  configFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const config = defaultConfig();
  const file = configFile ?? env.TFGW_CONFIG;
  if (file) applyText(config, fromFile(file), `config file ${file}:`);
  applyText(config, fromEnv(env), 'environment');
  applyText(config, flags, 'flag');
  config.dataDir = path.resolve(config.dataDir);
  config.spool = path.resolve(config.spool);
  if (config.key) config.key = path.resolve(config.key);
  if (config.listen.length === 0) throw new Error('at least one listen address is needed');
  return config;
}

/** Parses `host:port`, `[v6]:port`, `:port` or `port`. */
export function parseListenAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!m) throw new Error(`bad listen address ${text}`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`bad port in ${text}`);
  const host = m[1] ?? (m[2] || '0.0.0.0');
  return { host, port };
}
