/**
 * Where each setting's value came from — the table's default, the config file, a
 * `TFGW_*` variable or a flag — named as the user wrote it, so that errors and
 * `tfgw config` point at the place to change.
 */
import { Option } from 'commander';
import { type SettingKey, envName, settingEntry } from './table';

export type Source =
  | { kind: 'default' }
  | { kind: 'file'; file: string }
  | { kind: 'env' }
  | { kind: 'flag' };

export type Sources = Record<SettingKey, Source>;

/** The long flag of `key` as typed (`--max-sessions`); undefined when it has none. */
export function flagName(key: SettingKey): string | undefined {
  const { flag } = settingEntry(key);
  return flag === undefined ? undefined : new Option(flag).long;
}

/** What an error about `key`'s value from `source` starts with: `--max-sessions`, `TFGW_MAX_PEERS`, `config file F, key "k"`. */
export function errorPlace(key: SettingKey, source: Source): string {
  switch (source.kind) {
    case 'file':
      return `config file ${source.file}, key ${JSON.stringify(key)}`;
    case 'env':
      return envName(key);
    case 'flag':
      return flagName(key) ?? key;
    default:
      return `default ${key}`;
  }
}

/** How `tfgw config` shows a source: `default`, `file PATH`, `env TFGW_X`, `flag --x`. */
export function sourceLabel(key: SettingKey, source: Source): string {
  switch (source.kind) {
    case 'file':
      return `file ${source.file}`;
    case 'env':
      return `env ${envName(key)}`;
    case 'flag':
      return `flag ${flagName(key) ?? key}`;
    default:
      return 'default';
  }
}
