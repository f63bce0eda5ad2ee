/**
 * How the listener hands a session process what it needs, written by the listener
 * and read by the session process in one file so the two sides cannot drift apart.
 * The command line carries only what is not secret (the mode, how many listening
 * descriptors follow descriptor 3): /proc/<pid>/cmdline and /proc/<pid>/environ
 * are readable by other local users, and the settings hold the hash. The settings
 * travel as JSON on the session's standard input, a pipe the listener writes and
 * closes at spawn; the session reads it to its end, synchronously, before anything
 * else (a few hundred bytes, well inside one pipe buffer, so start stays cheap).
 * Standard input is free in both modes: descriptors 3, … are the sockets.
 */
import { readFileSync } from 'node:fs';
import type { SessionSettings } from '../settings/session-settings';

/** `socket`: serve the inherited connection on descriptor 3; `accept`: accept from listening descriptors 3, 4, … */
export type SessionMode = 'socket' | 'accept';

export interface SessionArgs {
  mode: SessionMode;
  listenCount: number;
}

/** The arguments after the script's path (nothing secret). */
export function sessionArgv(mode: SessionMode, listenCount: number): string[] {
  return [mode, String(listenCount)];
}

/** Reads `argv` as `process.argv` has it (node, script, then the arguments). */
export function parseSessionArgv(argv: readonly string[]): SessionArgs {
  return {
    // Anything but `socket` (or nothing) means accept mode, as it always has.
    mode: (argv[2] ?? 'socket') === 'socket' ? 'socket' : 'accept',
    listenCount: Number(argv[3] ?? '0'),
  };
}

/** What the listener writes to the session's standard input. */
export function encodeSessionSettings(settings: SessionSettings): string {
  return JSON.stringify(settings);
}

/** The settings the listener wrote on descriptor `fd` (standard input), read to its end. */
export function readSessionSettings(fd = 0): SessionSettings {
  const text = readFileSync(fd, 'utf8');
  if (text.length === 0) throw new Error('no session settings on standard input (session processes are started by tfgw serve)');
  return JSON.parse(text) as SessionSettings;
}
