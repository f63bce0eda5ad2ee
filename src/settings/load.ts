/**
 * The effective configuration: the table's defaults, overridden in turn by a JSON
 * config file, `TFGW_*` environment variables and command-line flags. Every layer
 * arrives as text (the file's JSON values are turned into text) and is read by
 * the setting's own parser. Loading only reads: every value (addresses included)
 * is checked here, so nothing is written for a configuration that cannot run.
 * Errors name where the value came from (flag, variable, file and key); unknown
 * `TFGW_*` variables come back as warnings.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { systemError } from '../log/system-error';
import { unknownVariableWarnings } from './environment';
import { type Source, type Sources, errorPlace } from './sources';
import { didYouMean } from './suggest';
import { SETTING_KEYS, type ServerConfig, type SettingKey, defaultSettings, envName, isSettingKey, settingEntry } from './table';

/** Settings as text, one value or several (a repeated flag, a JSON array), by key. */
export type SettingTexts = Partial<Record<SettingKey, string | string[]>>;

export interface LoadedSettings {
  config: ServerConfig;
  /** Where each value came from. */
  sources: Sources;
  /** Things worth saying that do not stop a start (unknown variables). */
  warnings: string[];
}

/** Applies text values onto `config`, recording `source` for each; errors name the source. */
export function applyText(config: ServerConfig, sources: Sources, values: SettingTexts, source: Source): void {
  for (const [key, raw] of Object.entries(values) as [SettingKey, string | string[] | undefined][]) {
    if (raw === undefined) continue;
    const { parse } = settingEntry(key);
    try {
      if (Array.isArray(raw) && !parse.many) throw new Error(`expected a single value, got ${JSON.stringify(raw)}`);
      const parsed = Array.isArray(raw) ? parse.many!(raw) : parse.one(raw);
      (config as Record<SettingKey, unknown>)[key] = parsed;
      sources[key] = source;
    } catch (err) {
      throw new Error(`${errorPlace(key, source)}: ${(err as Error).message}`);
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

/** `line L, column C` of a character offset of `text`. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** The file's JSON object; errors name the file, and the line and column of a syntax error. */
function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw systemError('cannot read config file', file, err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    throw new Error(`config file ${file}: bad JSON: ${message}${at ? ` (${lineAndColumn(text, Number(at[1]))})` : ''}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`config file ${file}: expected a JSON object of settings`);
  }
  return parsed as Record<string, unknown>;
}

/** Reads a JSON config file; values may be JSON types or text. Unknown keys are errors, with a did-you-mean. */
export function fromFile(file: string): SettingTexts {
  const out: SettingTexts = {};
  for (const [key, value] of Object.entries(readJsonObject(file))) {
    if (!isSettingKey(key)) {
      throw new Error(`config file ${file}: unknown setting ${JSON.stringify(key)}${didYouMean(key, SETTING_KEYS)}`);
    }
    out[key] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

/**
 * Builds and checks the effective configuration. `flags` holds only the flags
 * given on the command line; a config file is taken from the flags, else from TFGW_CONFIG.
 */
export function loadSettings(flags: SettingTexts, configFile: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedSettings {
  const config = defaultSettings();
  const sources = Object.fromEntries(SETTING_KEYS.map((key) => [key, { kind: 'default' }])) as Sources;
  const given = configFile ?? env.TFGW_CONFIG;
  if (given) {
    const file = path.resolve(given);
    applyText(config, sources, fromFile(file), { kind: 'file', file });
  }
  applyText(config, sources, fromEnv(env), { kind: 'env' });
  applyText(config, sources, flags, { kind: 'flag' });
  config.dataDir = path.resolve(config.dataDir);
  config.spool = path.resolve(config.spool);
  if (config.key) config.key = path.resolve(config.key);
  if (config.listen.length === 0) throw new Error(`${errorPlace('listen', sources.listen)}: at least one listen address is needed`);
  return { config, sources, warnings: unknownVariableWarnings(env) };
}

/** The effective configuration alone (see loadSettings). */
export function loadConfig(flags: SettingTexts, configFile: string | undefined, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return loadSettings(flags, configFile, env).config;
}
