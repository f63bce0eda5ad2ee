/**
 * The one table of server settings. Each entry gives a setting's default, how it
 * is read from text, its flag of `tfgw serve` (none: config file and environment
 * only) with its help text, whether a running server takes it on SIGHUP and
 * whether it reaches the session processes. Everything else is derived from it:
 * here the `ServerConfig` type (each key with its parser's value type), the
 * defaults, the config file's keys, the `TFGW_*` names, the help texts, the live
 * set and the session subset; in flags.ts the flags of `tfgw serve`.
 * Adding a setting means adding an entry here and the code that uses it.
 */
import path from 'node:path';
import { localNodeId } from '../spool/names';
import { REUSE_MODES } from '../spool/file-reuse';
import { WATCH_MODES } from '../spool/watch';
import { defaultStatePaths } from './state-dir';
import {
  CONFLICT_POLICIES,
  LOG_FORMATS,
  LOG_LEVELS,
  PROCESS_MODELS,
  type Parser,
  addresses,
  bool,
  int,
  nodeIdText,
  oneOf,
  optionalAddress,
  str,
} from './values';

export interface Setting<T, Live extends boolean = boolean, Session extends boolean = boolean> {
  readonly default: NoInfer<T>;
  readonly parse: Parser<T>;
  /**
   * The flag as commander spells it, short alias and argument included
   * (`-l, --listen <addr>`); no argument: a switch. Absent: no flag.
   */
  readonly flag?: string;
  /** The flag may be given several times (its parser must take several values). */
  readonly repeatable?: true;
  /** What the setting does; for a flag, its help text, where `{default}` shows the default. */
  readonly help: string;
  /** A running server takes a new value on SIGHUP; otherwise a change needs a restart. */
  readonly live: Live;
  /** Handed to the session processes (see session-settings.ts). */
  readonly session: Session;
}

/** Keeps each entry's value type and its `live` and `session` marks as literal types. */
function setting<T, Live extends boolean, Session extends boolean>(entry: Setting<T, Live, Session>): Setting<T, Live, Session> {
  return entry;
}

/** The repository (package) root: defaults live beside the code, whatever the working directory. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Where data and spool go by default: the clone itself, or the state directory of an installed package. */
const STATE = defaultStatePaths(process.env, PACKAGE_ROOT);

export const SETTINGS = {
  listen: setting({
    default: ['0.0.0.0:10346'], parse: addresses, live: false, session: false,
    flag: '-l, --listen <addr>', repeatable: true,
    help: 'address to listen on, host:port or [v6]:port (repeatable; default {default})',
  }),
  proto: setting({
    default: '0.0', parse: str, live: false, session: true,
    flag: '--proto <version>', help: 'protocol version clients must send (default {default})',
  }),
  /** Empty: generated on first start and kept in the data directory. */
  hash: setting({
    default: '', parse: str, live: false, session: true,
    flag: '--hash <hash>', help: 'hash string clients must send (default: generated, kept in the data dir)',
  }),
  /** Empty: `<dataDir>/private.pem`, generated on first start. */
  key: setting({
    default: '', parse: str, live: false, session: false,
    flag: '--key <file>', help: 'RSA-2048 private key, PEM PKCS#1 or PKCS#8 (default: <data-dir>/private.pem)',
  }),
  dataDir: setting({
    default: STATE.dataDir, parse: str, live: false, session: false,
    flag: '--data-dir <dir>', help: 'where keys and the hash live (default: <repo>/data in a clone, <state dir>/data when installed)',
  }),
  spool: setting({
    default: STATE.spool, parse: str, live: false, session: true,
    flag: '--spool <dir>', help: 'spool directory for the file IPC (default: <repo>/spool in a clone, <state dir>/spool when installed)',
  }),
  maxSessions: setting({
    default: 1024, parse: int(1, 100_000), live: true, session: false,
    flag: '--max-sessions <n>', help: 'most concurrent connections (default {default})',
  }),
  maxPeers: setting({
    default: 1024, parse: int(1, 100_000), live: true, session: true,
    flag: '--max-peers <n>', help: 'most identities in the gateway (default {default})',
  }),
  processModel: setting({
    default: 'prefork', parse: oneOf(...PROCESS_MODELS), live: false, session: false,
    flag: '--process-model <model>',
    help: "'prefork' (processes wait and accept themselves) or 'spawn' (one started per connection)",
  }),
  spareSessions: setting({
    default: 4, parse: int(1, 1000), live: true, session: false,
    flag: '--spare-sessions <n>', help: 'idle session processes kept waiting, prefork model (default {default})',
  }),
  recycleAfter: setting({
    default: 1000, parse: int(1, 1_000_000), live: true, session: true,
    help: 'a session process exits after serving this many connections (prefork)',
  }),
  warmUpMessages: setting({
    // Off by default: measured, 1000 cut a fresh session's round trip by about 6 % and cost 0.85 MB PSS per idle peer.
    default: 0, parse: int(0, 100_000), live: true, session: true,
    help: 'messages a waiting session process plays through its protocol code in memory before its first connection, so that V8 has optimised it (0: none)',
  }),
  conflictPolicy: setting({
    default: 'takeover', parse: oneOf(...CONFLICT_POLICIES), live: true, session: true,
    flag: '--conflict-policy <policy>', help: "identity already held: 'takeover' (newest wins) or 'refuse'",
  }),
  handshakeTimeoutMs: setting({
    default: 10_000, parse: int(100, 3_600_000), live: true, session: true,
    flag: '--handshake-timeout <ms>', help: 'time allowed for the connection sequence (default {default})',
  }),
  keyExchangeTimeoutMs: setting({
    default: 3000, parse: int(100, 3_600_000), live: true, session: true,
    help: 'time allowed for the version and key steps of the connection sequence (default {default})',
  }),
  preauthPerAddress: setting({
    default: 16, parse: int(1, 100_000), live: true, session: true,
    help: 'most connections from one source address still in the connection sequence; more are closed at once (default {default})',
  }),
  handshakeFrameLimit: setting({
    default: 4096, parse: int(256, 524_288), live: true, session: true,
    help: 'largest frame accepted during the connection sequence (version, key, hash), in bytes',
  }),
  idleTimeoutMs: setting({
    default: 0, parse: int(0, 86_400_000), live: true, session: true,
    flag: '--idle-timeout <ms>', help: 'close connections idle this long; 0 = never (default {default})',
  }),
  acceptDegenerateKeys: setting({
    default: false, parse: bool, live: true, session: true,
    flag: '--accept-degenerate-keys', help: 'accept session keys whose cipher seed degenerates',
  }),
  nodeId: setting({
    default: localNodeId(), parse: nodeIdText, live: false, session: true,
    flag: '--node-id <id>',
    help: 'this host\'s name in a spool shared by several hosts: [a-z0-9][a-z0-9_-]{0,62}, unique per host (default: the host name made safe, {default})',
  }),
  staleMs: setting({
    default: 10_000, parse: int(2_000, 3_600_000), live: false, session: true,
    help: "a session whose claim's lock has not been refreshed this long is dead",
  }),
  watchMode: setting({
    default: 'auto', parse: oneOf(...WATCH_MODES), live: false, session: true,
    flag: '--watch-mode <mode>',
    help: "inbox watch: 'auto' (inotify, polling when none is left, both on a network file system), 'native' (refuse the identity without one) or 'poll'",
  }),
  pollIntervalMs: setting({
    default: 200, parse: int(20, 60_000), live: false, session: true,
    flag: '--poll-interval <ms>', help: 'how often a polled inbox is listed (default {default})',
  }),
  reuseFiles: setting({
    default: 'auto', parse: oneOf(...REUSE_MODES), live: false, session: true,
    flag: '--reuse-files <when>',
    help: "message files read are kept for the next writer (SPOOL.md §8.3): 'auto' (where it pays: a local ext4 without a journal), 'on' or 'off'",
  }),
  inboxMaxFiles: setting({
    default: 10_000, parse: int(1, 10_000_000), live: true, session: true,
    flag: '--inbox-max-files <n>', help: 'queued messages at which an inbox refuses more (default {default})',
  }),
  inboxMaxBytes: setting({
    default: 256 * 1024 * 1024, parse: int(1024, Number.MAX_SAFE_INTEGER), live: true, session: true,
    flag: '--inbox-max-bytes <n>', help: 'queued bytes at which an inbox refuses more (default {default})',
  }),
  slowReceiverTimeoutMs: setting({
    default: 0, parse: int(0, 86_400_000), live: true, session: true,
    flag: '--slow-receiver-timeout <ms>',
    help: 'disconnect a client whose inbox stays full this long; 0 = never (default {default})',
  }),
  rateLimitBytes: setting({
    default: 0, parse: int(0, Number.MAX_SAFE_INTEGER), live: true, session: true,
    flag: '--rate-limit <bytes/s>', help: 'per-connection inbound limit; 0 = off (default {default})',
  }),
  shutdownDrainMs: setting({
    default: 5_000, parse: int(0, 600_000), live: true, session: true,
    help: 'on shutdown, time given to session processes to end before they are killed',
  }),
  logLevel: setting({
    default: 'info', parse: oneOf(...LOG_LEVELS), live: true, session: true,
    flag: '--log-level <level>', help: 'debug, info, warn or error (default {default})',
  }),
  logFormat: setting({
    default: 'text', parse: oneOf(...LOG_FORMATS), live: false, session: true,
    flag: '--log-format <format>', help: 'text or json (default {default})',
  }),
  /** Empty: off. */
  metricsListen: setting({
    default: '', parse: optionalAddress, live: false, session: false,
    flag: '--metrics-listen <addr>', help: 'serve /metrics (Prometheus) and /healthz on host:port (default: off)',
  }),
};

type Table = typeof SETTINGS;
export type SettingKey = keyof Table;

export type ServerConfig = {
  -readonly [K in SettingKey]: Table[K]['parse'] extends Parser<infer T> ? T : never;
};

/** The keys whose entry is marked `true` for `mark`. */
type Marked<Mark extends 'live' | 'session'> = { [K in SettingKey]: Table[K][Mark] extends true ? K : never }[SettingKey];
export type LiveKey = Marked<'live'>;
export type SessionKey = Marked<'session'>;
/** Settings whose value is text (paths, addresses, names). */
export type TextKey = { [K in SettingKey]: ServerConfig[K] extends string ? K : never }[SettingKey];

/** Every setting, in table order (the order of the config object and of the flags). */
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** The entry of `key`, seen without its value type (for code that handles every setting alike). */
export function settingEntry(key: SettingKey): Setting<unknown> {
  return SETTINGS[key];
}

/** Whether `name` is a setting (a config file key). */
export function isSettingKey(name: string): name is SettingKey {
  return Object.hasOwn(SETTINGS, name);
}

/** Settings a running server takes on SIGHUP; the others need a restart. */
export const LIVE_SETTINGS: readonly LiveKey[] = SETTING_KEYS.filter((key): key is LiveKey => SETTINGS[key].live);

/** Settings handed to each session process. */
export const SESSION_SETTINGS: readonly SessionKey[] = SETTING_KEYS.filter((key): key is SessionKey => SETTINGS[key].session);

/** The default of `key`; a fresh copy, so callers may change it. */
export function defaultOf<K extends SettingKey>(key: K): ServerConfig[K] {
  const value = SETTINGS[key].default as ServerConfig[K];
  return (Array.isArray(value) ? [...value] : value) as ServerConfig[K];
}

/** Every setting at its default. */
export function defaultSettings(): ServerConfig {
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, defaultOf(key)])) as ServerConfig;
}

/** `maxSessions` → `TFGW_MAX_SESSIONS`. */
export function envName(key: string): string {
  return `TFGW_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The help text of `key`, with its default written in where the text says `{default}`. */
export function helpText(key: SettingKey): string {
  const value = defaultOf(key);
  return SETTINGS[key].help.replace('{default}', Array.isArray(value) ? value.join(',') : String(value));
}

/**
 * What a local server started without a config file or flags would use for
 * `key`: its `TFGW_*` variable, else the default. Client commands find the
 * server's data directory and spool this way.
 */
export function localDefault(key: TextKey, env: NodeJS.ProcessEnv = process.env): string {
  return env[envName(key)] ?? defaultOf(key);
}
