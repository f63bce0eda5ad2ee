/**
 * The flags of `tfgw serve`, one for each setting of the table that has one,
 * registered from the table (spelling, help text) and read back as text for
 * `loadConfig`.
 */
import { type Command, Option } from 'commander';
import { unknownVariableWarnings } from './environment';
import { type LoadedSettings, type SettingTexts, loadSettings } from './load';
import { SETTING_KEYS, type SettingKey, helpText, settingEntry } from './table';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The settings that have a flag, in table order, with the name commander gives the flag's value. */
const FLAGGED: { key: SettingKey; flag: string; attribute: string }[] = SETTING_KEYS.flatMap((key) => {
  const { flag } = settingEntry(key);
  return flag === undefined ? [] : [{ key, flag, attribute: new Option(flag).attributeName() }];
});

/** One commander option for each setting that has a flag, in table order. */
export function settingOptions(): Option[] {
  return FLAGGED.map(({ key, flag }) => {
    const option = new Option(flag, helpText(key));
    if (settingEntry(key).repeatable) option.argParser(collect);
    return option;
  });
}

/** The settings given as flags, as text; flags not given are left out. A switch given is `true`. */
export function flagTexts(values: Record<string, unknown>): SettingTexts {
  const out: SettingTexts = {};
  for (const { key, attribute } of FLAGGED) {
    const value = values[attribute];
    if (value === undefined) continue;
    out[key] = value === true ? 'true' : (value as string | string[]);
  }
  return out;
}

/** `--config` is listed right after this setting's flag, beside the other places files live. */
const CONFIG_FLAG_AFTER = '--spool';

/** The options shared by `tfgw serve` and `tfgw config`: every setting's flag, and `--config`. */
export function addServerOptions(command: Command): Command {
  for (const option of settingOptions()) {
    command.addOption(option);
    if (option.long === CONFIG_FLAG_AFTER) command.option('-c, --config <file>', 'JSON config file (also TFGW_CONFIG)');
  }
  return command;
}

/**
 * The configuration that the parsed options of addServerOptions give, with the
 * environment. When it does not load, the unknown-variable warnings are written
 * first (to stderr, there is no logger yet): a misspelled variable may be why.
 */
export function settingsFromOptions(options: Record<string, unknown> & { config?: string }): LoadedSettings {
  try {
    return loadSettings(flagTexts(options), options.config);
  } catch (err) {
    for (const warning of unknownVariableWarnings(process.env)) process.stderr.write(`tfgw: warning: ${warning}\n`);
    throw err;
  }
}
