/**
 * Connection flags shared by the client commands, with defaults that find a local
 * `tfgw serve`, and the argument parsers that check values before anything connects.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type ConnectOptions, type TfClient, connect } from '../client';
import { identityProblem, messageProblem } from '../protocol/frame';
import { parseListenAddress } from '../settings/address';
import { defaultOf, localDefault } from '../settings/table';

/** The port a local `tfgw serve` listens on when given no address. */
const DEFAULT_PORT = parseListenAddress(defaultOf('listen')[0]!).port;

export interface ClientFlags {
  host: string;
  port?: number;
  proto: string;
  publicKey?: string;
  hash?: string;
  dataDir?: string;
}

export function addClientOptions(cmd: Command): Command {
  return cmd
    .option('-H, --host <host>', 'server host', process.env.TFGW_HOST ?? '127.0.0.1')
    .option('-p, --port <port>', `server port (default: TFGW_PORT or ${DEFAULT_PORT})`, portArg)
    .option('--proto <version>', 'protocol version', localDefault('proto'))
    .option('--public-key <file>', "server's public key PEM (default: <data-dir>/public.pem)")
    .option('--hash <hash>', 'hash string (default: TFGW_HASH or <data-dir>/hash)')
    .option('--data-dir <dir>', 'a local server data dir to read the key and hash from (default: <repo>/data)');
}

/** The server's address, key and hash from the flags, falling back on a local server's data dir. */
export function resolveConnectOptions(flags: ClientFlags): ConnectOptions {
  const port = flags.port ?? portFromEnvironment();
  const dataDir = path.resolve(flags.dataDir ?? localDefault('dataDir'));
  const publicKey = readFileSync(flags.publicKey ?? path.join(dataDir, 'public.pem'), 'utf8');
  const hash = flags.hash ?? process.env.TFGW_HASH ?? readFileSync(path.join(dataDir, 'hash'), 'utf8').trim();
  return { host: flags.host, port, version: flags.proto, publicKey, hash };
}

export function connectWith(flags: ClientFlags): Promise<TfClient> {
  return connect(resolveConnectOptions(flags));
}

function portFromEnvironment(): number {
  const text = process.env.TFGW_PORT;
  if (text === undefined) return DEFAULT_PORT;
  try {
    return portArg(text);
  } catch (error) {
    throw new Error(`environment TFGW_PORT: ${(error as Error).message}`);
  }
}

/** `--port`: a TCP port number. */
export function portArg(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new InvalidArgumentError('a port is a whole number from 1 to 65535.');
  return port;
}

/** `--count`: how many messages, at least one. */
export function countArg(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1 || !Number.isSafeInteger(count)) {
    throw new InvalidArgumentError('a count is a whole number, 1 or more.');
  }
  return count;
}

/** Bytes given on the command line, with the text they were given as (for messages back to the user). */
export interface BytesArg {
  text: string;
  bytes: Buffer;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/**
 * Identities and messages are given as text; `hex:` and `base64:` prefixes give raw
 * bytes. Node's decoders skip what they cannot read, so the text is checked first.
 */
export function bytesArg(text: string): BytesArg {
  if (text.startsWith('hex:')) {
    if (!HEX.test(text.slice(4))) throw new InvalidArgumentError(`invalid hex in "${text}" (an even number of 0-9, a-f).`);
    return { text, bytes: Buffer.from(text.slice(4), 'hex') };
  }
  if (text.startsWith('base64:')) {
    if (!BASE64.test(text.slice(7))) throw new InvalidArgumentError(`invalid base64 in "${text}".`);
    return { text, bytes: Buffer.from(text.slice(7), 'base64') };
  }
  return { text, bytes: Buffer.from(text, 'utf8') };
}

/** An identity (own or destination): 1 to 524287 bytes. */
export function identityArg(text: string): BytesArg {
  const arg = bytesArg(text);
  const problem = identityProblem(arg.bytes);
  if (problem) throw new InvalidArgumentError(`${problem}.`);
  return arg;
}

/** One gateway message: up to 524288 bytes. */
export function messageArg(text: string): BytesArg {
  const arg = bytesArg(text);
  const problem = messageProblem(arg.bytes);
  if (problem) throw new InvalidArgumentError(`${problem}.`);
  return arg;
}

/** For a variadic argument commander hands the parser the values parsed so far. */
export function messageListArg(text: string, previous: BytesArg[] | undefined): BytesArg[] {
  return [...(previous ?? []), messageArg(text)];
}

export const OUTPUT_FORMATS = ['text', 'hex', 'base64', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `-f, --format`, limited to the formats `formatMessage` knows. */
export function formatOption(description: string): Option {
  return new Option('-f, --format <format>', description).choices(OUTPUT_FORMATS).default('text');
}

export function formatMessage(message: Buffer, format: OutputFormat): string {
  switch (format) {
    case 'hex':
      return message.toString('hex');
    case 'base64':
      return message.toString('base64');
    case 'json':
      return JSON.stringify({ bytes: message.length, text: message.toString('utf8'), base64: message.toString('base64') });
    default:
      return message.toString('utf8');
  }
}
