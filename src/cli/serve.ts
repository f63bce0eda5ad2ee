/** `tfgw serve`: runs the gateway server. */
import type { Command } from 'commander';
import { Listener } from '../listener/listener';
import { Logger } from '../log/logger';
import { formatAddress } from '../settings/address';
import { addServerOptions, settingsFromOptions } from '../settings/flags';
import { ensureServerIdentity } from '../settings/keys';
import type { ReuseMode } from '../spool/file-reuse';
import { prepareSpoolRoot } from '../spool/root-check';
import type { LoadedSettings } from '../settings/load';
import type { ServerConfig } from '../settings/table';

export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description('run the gateway server (no configuration needed: first start creates keys and a hash)');
  addServerOptions(command)
    .addHelpText('after', '\nEvery setting can also come from the config file or a TFGW_* variable (e.g. TFGW_MAX_SESSIONS);\nflags win over the environment, which wins over the file. `tfgw config` shows the result.')
    .action(async (flags: Record<string, unknown> & { config?: string }) => {
      // Loading checks every value before anything is written (keys, data dir, spool).
      const load = () => settingsFromOptions(flags);
      await serve(load(), () => load().config);
    });
}

export async function serve(loaded: LoadedSettings, reloadConfig: () => ServerConfig = () => loaded.config): Promise<void> {
  const { config } = loaded;
  const log = new Logger(config.logLevel, config.logFormat, 'listener');
  for (const warning of loaded.warnings) log.warn(warning);
  const identity = ensureServerIdentity(config.dataDir, config.key, config.hash);
  for (const file of identity.created) log.info('created', { file });
  prepareSpoolRoot(config.spool);
  const listener = new Listener({ config, privateKeyFile: identity.privateKeyFile, hash: identity.hash, log });
  await listener.start();
  const bound = listener.addresses().map(formatAddress);

  process.stdout.write(
    [
      'tfgw gateway server ready',
      `  listening on  ${bound.join(', ')}`,
      `  protocol      ${config.proto}`,
      `  hash          ${identity.hash}`,
      `  public key    ${identity.publicKeyFile}`,
      `  spool         ${config.spool}`,
      `  file reuse    ${fileReuseLine(config.reuseFiles, listener.spool.reusesFiles)}`,
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
      // At warn: a reload that raises the level to warn must still show that it happened.
      log.warn('configuration reloaded', {
        applied: applied.join(' ') || 'nothing changed',
        ignored: needsRestart.length > 0 ? `${needsRestart.join(',')} (need a restart)` : undefined,
      });
    } catch (err) {
      log.error('configuration reload failed; keeping the current one', { error: (err as Error).message });
    }
  });
}

/** What the sessions do with message files read (SPOOL.md §8.3), and why. */
export function fileReuseLine(mode: ReuseMode, reuses: boolean): string {
  if (mode !== 'auto') return `${reuses ? 'on' : 'off'} (reuseFiles ${mode}${mode === 'on' && !reuses ? ': never on a network file system' : ''})`;
  return reuses ? 'on (auto: a local ext4 without a journal)' : 'off (auto: it pays only on a local ext4 without a journal)';
}
