/**
 * The flags of `tfgw serve`, one for each setting of the table that has one,
 * registered from the table (spelling, help text) and read back as text for
 * `loadConfig`.
 */
import { Option } from 'commander';
import type { SettingTexts } from './load';
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
