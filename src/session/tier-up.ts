/**
 * When V8 optimises a session's message path. V8 runs a function in its
 * interpreter and baseline tiers until the function has used up its interrupt
 * budget (bytes of bytecode executed) a few times, then compiles it with
 * TurboFan. Session processes are fresh for most connections, and at V8's
 * default budget their per-message code (frames, cipher calls, the outbox, the
 * inbox reader, Node's streams and timers) took the first few thousand messages
 * to be optimised: with 8 pairs of 1 KiB messages, one in flight, a fresh
 * session spent about twice the CPU per message of a warm one over its first
 * 2,000 messages. An 8 KiB budget raised that figure by about a fifth
 * (docs/perf/analysis.md).
 *
 * The smaller budget applies only while a client is in the gateway. Set for a
 * process's whole life, it also optimised start-up and handshake code that a
 * process runs a few times only, and handshakes per second fell by 6 to 15 %.
 * A budget given explicitly in the session's Node flags (TFGW_SESSION_NODE_FLAGS)
 * is left alone. The flag is set through the native helper: Node's `v8` module
 * would cost every session process about 0.4 MB of memory (measured with 100
 * idle peers); without the helper the budget stays V8's.
 */
import { nativeSockets } from '../native';

/** Bytes of bytecode a function runs between tier-up checks while messages flow. */
export const MESSAGE_PATH_INTERRUPT_BUDGET = 8 * 1024;
/**
 * V8's own default, as Node 20 ships it (`node --v8-options`); tier-up.test.ts
 * fails when a Node release changes it, so that this follows.
 */
export const V8_DEFAULT_INTERRUPT_BUDGET = 66 * 1024;

/** The budget the process was started with, when its flags name one. */
export function startBudget(execArgv: readonly string[] = process.execArgv): number | null {
  for (const arg of execArgv) {
    const m = /^--interrupt[-_]budget=(\d+)$/.exec(arg);
    if (m) return Number(m[1]);
  }
  return null;
}

const explicit = startBudget() !== null;
let sooner = false;

/** From now on, until `tierUpAtDefault`, V8 optimises this process's code sooner. */
export function tierUpSooner(): void {
  if (explicit || sooner) return;
  sooner = true;
  nativeSockets()?.setV8Flags?.(`--interrupt-budget=${MESSAGE_PATH_INTERRUPT_BUDGET}`);
}

/** Back to V8's default (what is optimised already stays so). */
export function tierUpAtDefault(): void {
  if (explicit || !sooner) return;
  sooner = false;
  nativeSockets()?.setV8Flags?.(`--interrupt-budget=${V8_DEFAULT_INTERRUPT_BUDGET}`);
}
