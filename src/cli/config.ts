/**
 * `tfgw config`: the configuration `tfgw serve` would run with, from the same
 * flags, environment and config file, and where each value came from; with
 * `--check`, only whether it is valid (exit status), with the messages serve gives.
 * Secrets are masked.
 */
import type { Command } from 'commander';
import { addServerOptions, settingsFromOptions } from '../settings/flags';
import { loadPrivateKey } from '../settings/keys';
import type { LoadedSettings } from '../settings/load';
import { sourceLabel } from '../settings/sources';
import { SETTING_KEYS, type SettingKey } from '../settings/table';

/** Settings whose value is never printed. */
const SECRETS: readonly SettingKey[] = ['hash'];

/** A setting's value for display; a set secret as asterisks, so that only whether it is set shows. */
export function shownValue(key: SettingKey, value: unknown): unknown {
  if (SECRETS.includes(key) && value !== '') return '********';
  return value;
}

/** The configuration as rows: setting, value (JSON), source. */
export function configRows(loaded: LoadedSettings): { key: SettingKey; value: unknown; source: string }[] {
  return SETTING_KEYS.map((key) => ({
    key,
    value: shownValue(key, loaded.config[key]),
    source: sourceLabel(key, loaded.sources[key]),
  }));
}

/** The rows as an aligned text table. */
export function configTable(loaded: LoadedSettings): string {
  const rows = configRows(loaded).map((r) => [r.key, JSON.stringify(r.value), r.source]);
  const all = [['SETTING', 'VALUE', 'SOURCE'], ...rows];
  const widths = [0, 1].map((i) => Math.max(...all.map((row) => row[i]!.length)));
  return `${all.map((row) => `${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]}`).join('\n')}\n`;
}

export function registerConfig(program: Command): void {
  const command = program
    .command('config')
    .description('print the configuration `tfgw serve` would use with the same flags, and where each value came from');
  addServerOptions(command)
    .option('--json', 'print JSON: {setting: {value, source}}')
    .option('--check', 'only check: exit non-zero on an error, print one line when all is well')
    .action((options: Record<string, unknown> & { config?: string; json?: boolean; check?: boolean }) => {
      const loaded = settingsFromOptions(options);
      for (const warning of loaded.warnings) process.stderr.write(`tfgw: warning: ${warning}\n`);
      if (loaded.config.key) loadPrivateKey(loaded.config.key);
      if (options.check) {
        process.stdout.write('configuration OK\n');
      } else if (options.json) {
        const out = Object.fromEntries(configRows(loaded).map(({ key, value, source }) => [key, { value, source }]));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        process.stdout.write(configTable(loaded));
      }
    });
}
