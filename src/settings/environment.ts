/**
 * The `TFGW_*` variables tfgw reads: one per setting (see table.ts) plus the few
 * that are not settings. Any other `TFGW_*` variable is most likely a typo that
 * would otherwise be ignored without a word, so loading warns about it.
 */
import { didYouMean } from './suggest';
import { SETTING_KEYS, envName } from './table';

/** Variables read outside the settings table: the config file, client commands, engines, diagnostics, internals. */
export const OTHER_VARIABLES: readonly string[] = [
  'TFGW_CONFIG',
  'TFGW_HOST',
  'TFGW_PORT',
  'TFGW_CIPHER',
  'TFGW_NO_NATIVE',
  'TFGW_LISTENER_PID',
  'TFGW_SESSION_NODE_FLAGS',
];

/** Every `TFGW_*` name tfgw knows. */
export function knownVariables(): string[] {
  return [...SETTING_KEYS.map(envName), ...OTHER_VARIABLES];
}

/** One warning for each `TFGW_*` variable of `env` that tfgw does not read. */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = knownVariables();
  return Object.keys(env)
    .filter((name) => name.startsWith('TFGW_') && !known.includes(name))
    .sort()
    .map((name) => `unknown variable ${name} ignored${didYouMean(name, known)}`);
}
