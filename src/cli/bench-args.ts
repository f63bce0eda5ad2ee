/**
 * The flags every `tfgw bench` mode shares, their parsers, and what a mode
 * derives from them alone (the target, the identity prefix, the worker count),
 * apart from the modes themselves (bench-modes.ts) and the command (bench.ts).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { FLOOR_KINDS, type FloorKind } from '../bench/floor';
import type { Target } from '../bench/target';
import { type ClientFlags, addClientOptions, resolveConnectOptions } from './client-options';

export interface OutputFlags {
  json?: boolean;
  progress?: boolean;
}

export interface RunFlags extends ClientFlags, OutputFlags {
  connectTimeout: number;
  quickAck?: boolean;
  peerHost?: string;
  floor?: boolean;
  spool?: string;
  tag?: string;
  workers?: number;
}

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

export function secondsArg(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds, 0 or more');
  return n;
}

export function kindsArg(text: string): FloorKind[] {
  const kinds = text.split(',').map((k) => k.trim());
  for (const k of kinds) {
    if (!(FLOOR_KINDS as readonly string[]).includes(k)) throw new InvalidArgumentError(`floors are ${FLOOR_KINDS.join(', ')}`);
  }
  return kinds as FloorKind[];
}

/** The server's address, key and hash, found as the other client commands find them. */
export function resolveTarget(flags: RunFlags): Target {
  const { host, port, version, publicKey, hash } = resolveConnectOptions(flags);
  const peerHost = flags.peerHost;
  return {
    host,
    port,
    version,
    publicKey: publicKey as string,
    hash,
    timeoutMs: flags.connectTimeout,
    quickAck: flags.quickAck === true,
    ...(peerHost ? { peerHost } : {}),
  };
}

/** A fresh identity prefix, so runs side by side never share identities. */
export function runTag(flags: RunFlags): string {
  return flags.tag ?? `bench-${randomBytes(4).toString('hex')}`;
}

export function defaultWorkers(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

/** --json and the progress line, for every mode and the floors. */
export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON object instead of the table')
    .option('--progress', 'show the progress line even when stderr is not a terminal')
    .option('--no-progress', 'no progress line');
}

/** What every mode that runs against a server takes besides its own options. */
export function addRunOptions(cmd: Command): Command {
  return addOutputOptions(addClientOptions(cmd))
    .option('--connect-timeout <ms>', 'limit for TCP connect and connection sequence', intArg(1), 10_000)
    .option('--quick-ack', "acknowledge every segment at once (TCP_QUICKACK re-armed after each read): for servers whose replies otherwise wait for Nagle and the delayed ACK")
    .option('--peer-host <host>', 'receivers connect here: another server on the same spool (default: --host)')
    .option('--floor', 'also measure the matching floor in this run and show each figure against it')
    .option('--spool <dir>', "the tfgw server's spool: the file-IPC floor runs on its file system (idle: its sessions' memory)")
    .option('--tag <prefix>', 'identity prefix (default: bench-<random>)');
}
