/**
 * The command line of a session process, written by the listener and read by the
 * session process: the settings as JSON, the mode, and how many listening
 * descriptors follow descriptor 3. One file so the two sides cannot drift apart.
 */
import type { SessionSettings } from '../settings/session-settings';

/** `socket`: serve the inherited connection on descriptor 3; `accept`: accept from listening descriptors 3, 4, … */
export type SessionMode = 'socket' | 'accept';

export interface SessionArgs {
  settings: SessionSettings;
  mode: SessionMode;
  listenCount: number;
}

/** The arguments after the script's path. */
export function sessionArgv(settings: SessionSettings, mode: SessionMode, listenCount: number): string[] {
  return [JSON.stringify(settings), mode, String(listenCount)];
}

/** Reads `argv` as `process.argv` has it (node, script, then the arguments). */
export function parseSessionArgv(argv: readonly string[]): SessionArgs {
  return {
    settings: JSON.parse(argv[2] ?? '{}') as SessionSettings,
    // Anything but `socket` (or nothing) means accept mode, as it always has.
    mode: (argv[3] ?? 'socket') === 'socket' ? 'socket' : 'accept',
    listenCount: Number(argv[4] ?? '0'),
  };
}
