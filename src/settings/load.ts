/**
 * The effective configuration: the table's defaults, overridden in turn by a JSON
 * config file, `TFGW_*` environment variables and command-line flags. Every layer
 * arrives as text (the file's JSON values are turned into text) and is read by
 * the setting's own parser; errors name the layer and the setting.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTING_KEYS, type ServerConfig, type SettingKey, defaultSettings, envName, isSettingKey, settingEntry } from './table';

/** Settings as text, one value or several (a repeated flag, a JSON array), by key. */
export type SettingTexts = Partial<Record<SettingKey, string | string[]>>;

/** Applies text values (from env or flags) onto `config`, naming the source in errors. */
export function applyText(config: ServerConfig, values: SettingTexts, source: string): void {
  for (const [key, raw] of Object.entries(values) as [SettingKey, string | string[] | undefined][]) {
    if (raw === undefined) continue;
    const { parse } = settingEntry(key);
    try {
      if (Array.isArray(raw) && !parse.many) throw new Error('expected a single value');
      const parsed = Array.isArray(raw) ? parse.many!(raw) : parse.one(raw);
      (config as Record<SettingKey, unknown>)[key] = parsed;
    } catch (err) {
      throw new Error(`${source} ${key}: ${(err as Error).message}`);
    }
  }
}

/** The settings given as `TFGW_*` variables; empty ones count as unset. */
export function fromEnv(env: NodeJS.ProcessEnv): SettingTexts {
  const out: SettingTexts = {};
  for (const key of SETTING_KEYS) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/** Reads a JSON config file; values may be JSON types or text. Unknown keys are errors. */
export function fromFile(file: string): SettingTexts {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const out: SettingTexts = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!isSettingKey(key)) throw new Error(`config file ${file}: unknown setting ${key}`);
    out[key] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

/**
 * Builds the effective configuration. `flags` holds only the flags given on the
 * command line; a config file is taken from the flags, else from TFGW_CONFIG.
 */
export function loadConfig(flags: SettingTexts, configFile: string | undefined, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const config = defaultSettings();
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
