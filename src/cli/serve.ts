/** `tfgw serve`: runs the gateway server. */
import type { Command } from 'commander';
import { type ServerConfig, loadConfig } from '../settings/config';
import { ensureServerIdentity } from '../settings/keys';
import { Listener } from '../listener/listener';
import { Logger } from '../log/logger';

interface ServeFlags {
  listen?: string[];
  proto?: string;
  hash?: string;
  key?: string;
  dataDir?: string;
  spool?: string;
  config?: string;
  maxSessions?: string;
  maxPeers?: string;
  processModel?: string;
  spareSessions?: string;
  conflictPolicy?: string;
  handshakeTimeout?: string;
  idleTimeout?: string;
  acceptDegenerateKeys?: boolean;
  inboxMaxFiles?: string;
  inboxMaxBytes?: string;
  slowReceiverTimeout?: string;
  rateLimit?: string;
  logLevel?: string;
  logFormat?: string;
  metricsListen?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the gateway server (no configuration needed: first start creates keys and a hash)')
    .option('-l, --listen <addr>', 'address to listen on, host:port or [v6]:port (repeatable; default 0.0.0.0:10346)', collect)
    .option('--proto <version>', 'protocol version clients must send (default 0.0)')
    .option('--hash <hash>', 'hash string clients must send (default: generated, kept in the data dir)')
    .option('--key <file>', 'RSA-2048 private key, PEM PKCS#1 or PKCS#8 (default: <data-dir>/private.pem)')
    .option('--data-dir <dir>', 'where keys and the hash live (default: <repo>/data)')
    .option('--spool <dir>', 'spool directory for the file IPC (default: <repo>/spool)')
    .option('-c, --config <file>', 'JSON config file (also TFGW_CONFIG)')
    .option('--max-sessions <n>', 'most concurrent connections (default 1024)')
    .option('--max-peers <n>', 'most identities in the gateway (default 1024)')
    .option('--process-model <model>', "'prefork' (processes wait and accept themselves) or 'spawn' (one started per connection)")
    .option('--spare-sessions <n>', 'idle session processes kept waiting, prefork model (default 4)')
    .option('--conflict-policy <policy>', "identity already held: 'takeover' (newest wins) or 'refuse'")
    .option('--handshake-timeout <ms>', 'time allowed for the connection sequence (default 10000)')
    .option('--idle-timeout <ms>', 'close connections idle this long; 0 = never (default 0)')
    .option('--accept-degenerate-keys', 'accept session keys whose cipher seed degenerates')
    .option('--inbox-max-files <n>', 'queued messages at which an inbox refuses more (default 10000)')
    .option('--inbox-max-bytes <n>', 'queued bytes at which an inbox refuses more (default 268435456)')
    .option('--slow-receiver-timeout <ms>', 'disconnect a client whose inbox stays full this long; 0 = never (default 0)')
    .option('--rate-limit <bytes/s>', 'per-connection inbound limit; 0 = off (default 0)')
    .option('--log-level <level>', 'debug, info, warn or error (default info)')
    .option('--log-format <format>', 'text or json (default text)')
    .option('--metrics-listen <addr>', 'serve /metrics (Prometheus) and /healthz on host:port (default: off)')
    .addHelpText('after', '\nEvery setting can also come from the config file or a TFGW_* variable (e.g. TFGW_MAX_SESSIONS);\nflags win over the environment, which wins over the file.')
    .action(async (flags: ServeFlags) => {
      const load = () => loadConfig(toSettings(flags), flags.config);
      await serve(load(), load);
    });
}

function toSettings(flags: ServeFlags): Partial<Record<keyof ServerConfig, string | string[]>> {
  const out: Partial<Record<keyof ServerConfig, string | string[]>> = {
    listen: flags.listen,
    proto: flags.proto,
    hash: flags.hash,
    key: flags.key,
    dataDir: flags.dataDir,
    spool: flags.spool,
    maxSessions: flags.maxSessions,
    maxPeers: flags.maxPeers,
    processModel: flags.processModel,
    spareSessions: flags.spareSessions,
    conflictPolicy: flags.conflictPolicy,
    handshakeTimeoutMs: flags.handshakeTimeout,
    idleTimeoutMs: flags.idleTimeout,
    acceptDegenerateKeys: flags.acceptDegenerateKeys ? 'true' : undefined,
    inboxMaxFiles: flags.inboxMaxFiles,
    inboxMaxBytes: flags.inboxMaxBytes,
    slowReceiverTimeoutMs: flags.slowReceiverTimeout,
    rateLimitBytes: flags.rateLimit,
    logLevel: flags.logLevel,
    logFormat: flags.logFormat,
    metricsListen: flags.metricsListen,
  };
  for (const key of Object.keys(out) as (keyof ServerConfig)[]) if (out[key] === undefined) delete out[key];
  return out;
}

export async function serve(config: ServerConfig, reloadConfig: () => ServerConfig = () => config): Promise<void> {
  const log = new Logger(config.logLevel, config.logFormat, 'listener');
  const identity = ensureServerIdentity(config.dataDir, config.key, config.hash);
  for (const file of identity.created) log.info('created', { file });
  const listener = new Listener({ config, privateKeyFile: identity.privateKeyFile, hash: identity.hash, log });
  await listener.start();
  const bound = listener.addresses().map((a) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`));

  process.stdout.write(
    [
      'tfgw gateway server ready',
      `  listening on  ${bound.join(', ')}`,
      `  protocol      ${config.proto}`,
      `  hash          ${identity.hash}`,
      `  public key    ${identity.publicKeyFile}`,
      `  spool         ${config.spool}`,
      ...(listener.metricsPort !== null ? [`  metrics       http://${config.metricsListen.replace(/:\d+$/, '')}:${listener.metricsPort}/metrics`] : []),
      '',
    ].join('\n'),
  );
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    log.info('signal received', { signal, action: signals === 1 ? 'graceful shutdown' : 'immediate exit' });
    void listener.stop(signals > 1).then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => {
    try {
      const { applied, needsRestart } = listener.reload(reloadConfig());
      log.info('configuration reloaded', {
        applied: applied.join(' ') || 'nothing changed',
        ignored: needsRestart.length > 0 ? `${needsRestart.join(',')} (need a restart)` : undefined,
      });
    } catch (err) {
      log.error('configuration reload failed; keeping the current one', { error: (err as Error).message });
    }
  });
}
