/**
 * Starting a session process: which script, which Node flags, which environment,
 * which arguments. The pool asks for a process through `SpawnSession`, so tests
 * can hand it fake children instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { SessionSettings } from '../settings/session-settings';
import { type SessionMode, encodeSessionSettings, sessionArgv } from '../session/argv';

/** What the pool needs of a started process: its pid, signals, and 'exit'/'error' events. */
export interface SessionChild extends EventEmitter {
  readonly pid?: number | undefined;
  kill(signal?: NodeJS.Signals): boolean;
}

/** Starts one session process with `fds` as descriptors 3, 4, … (may throw). */
export type SpawnSession = (mode: SessionMode, fds: (number | object)[], settings: SessionSettings) => SessionChild;

/**
 * The session process's script: the one-file bundle the build makes
 * (scripts/bundle-session.js; it saves memory in every session) while it is at
 * least as new as the compiled sources, else the compiled module itself.
 */
export function sessionEntry(dir: string = path.join(__dirname, '..', 'session')): string {
  const plain = path.join(dir, 'main.js');
  const bundle = path.join(dir, 'main.bundle.js');
  try {
    if (statSync(bundle).mtimeMs >= statSync(plain).mtimeMs) return bundle;
  } catch {
    // No bundle (a build without it): the plain module works the same.
  }
  return plain;
}

/**
 * Node flags for session processes: a 1 MB young generation, a heap cap, few
 * threads. The two heap-sizing flags change V8's flag hash, so V8 rejects the
 * code cache Node ships for its own modules: each session compiles them itself
 * and keeps a cache of its own, about 0.7 MB more per idle session (measured at
 * 60 peers). The small young generation pays for that under load: allocation
 * stays in cache, worth about a tenth more 1 KiB messages per second than V8's
 * default of up to 16 MB (docs/perf/analysis.md). No --expose-gc: an idle
 * session releases memory through the native helper (session/settle.ts).
 */
export const SESSION_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=96', '--v8-pool-size=1', '--single-threaded-gc'];

/**
 * The environment of a session process: the listener's, less what only costs a
 * session memory. NODE_EXTRA_CA_CERTS makes every Node process parse that
 * certificate bundle at start-up (about 1 MB of heap each for a system bundle);
 * sessions never open a TLS connection.
 */
export function sessionEnvironment(parent: NodeJS.ProcessEnv, listenerPid: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...parent,
    // A session makes few asynchronous file calls: one pool thread, one malloc arena.
    UV_THREADPOOL_SIZE: parent.UV_THREADPOOL_SIZE ?? '1',
    MALLOC_ARENA_MAX: parent.MALLOC_ARENA_MAX ?? '1',
    TFGW_LISTENER_PID: String(listenerPid),
  };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** TFGW_SESSION_NODE_FLAGS adds Node flags for session processes (diagnostics: profiling, heap limits). */
export function extraNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.TFGW_SESSION_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f.length > 0);
}

/**
 * The real spawner: `entry` is chosen once, when the pool is made. The settings
 * go down the child's standard input, never on its command line or in its
 * environment (session/argv.ts says why).
 */
export function sessionSpawner(entry: string = sessionEntry()): SpawnSession {
  return (mode, fds, settings): ChildProcess => {
    const child = spawn(process.execPath, [...SESSION_NODE_FLAGS, ...extraNodeFlags(), entry, ...sessionArgv(mode, fds.length)], {
      stdio: ['pipe', 'inherit', 'inherit', ...(fds as never[])],
      // Own process group: a terminal's Ctrl-C reaches the listener, which then ends sessions in order.
      detached: true,
      env: sessionEnvironment(process.env, process.pid),
    });
    // A child that dies before reading gives EPIPE here; its 'exit' is what the pool acts on.
    child.stdin?.on('error', () => {});
    child.stdin?.end(encodeSessionSettings(settings));
    return child;
  };
}
