/** Connection flags shared by the client commands, with defaults that find a local `tfgw serve`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type ConnectOptions, type TfClient, connect } from '../client';
import { parseListenAddress } from '../settings/address';
import { defaultOf, localDefault } from '../settings/table';

/** The port a local `tfgw serve` listens on when given no address. */
const DEFAULT_PORT = String(parseListenAddress(defaultOf('listen')[0]!).port);

export interface ClientFlags {
  host: string;
  port: string;
  proto: string;
  publicKey?: string;
  hash?: string;
  dataDir?: string;
}

export function addClientOptions(cmd: Command): Command {
  return cmd
    .option('-H, --host <host>', 'server host', process.env.TFGW_HOST ?? '127.0.0.1')
    .option('-p, --port <port>', 'server port', process.env.TFGW_PORT ?? DEFAULT_PORT)
    .option('--proto <version>', 'protocol version', localDefault('proto'))
    .option('--public-key <file>', "server's public key PEM (default: <data-dir>/public.pem)")
    .option('--hash <hash>', 'hash string (default: TFGW_HASH or <data-dir>/hash)')
    .option('--data-dir <dir>', 'a local server data dir to read the key and hash from (default: <repo>/data)');
}

/** The server's address, key and hash from the flags, falling back on a local server's data dir. */
export function resolveConnectOptions(flags: ClientFlags): ConnectOptions {
  const dataDir = path.resolve(flags.dataDir ?? localDefault('dataDir'));
  const publicKey = readFileSync(flags.publicKey ?? path.join(dataDir, 'public.pem'), 'utf8');
  const hash = flags.hash ?? process.env.TFGW_HASH ?? readFileSync(path.join(dataDir, 'hash'), 'utf8').trim();
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port ${flags.port}`);
  return { host: flags.host, port, version: flags.proto, publicKey, hash };
}

export function connectWith(flags: ClientFlags): Promise<TfClient> {
  return connect(resolveConnectOptions(flags));
}

/** Identities and messages are given as text; `hex:` and `base64:` prefixes give raw bytes. */
export function bytesArg(text: string): Buffer {
  if (text.startsWith('hex:')) return Buffer.from(text.slice(4), 'hex');
  if (text.startsWith('base64:')) return Buffer.from(text.slice(7), 'base64');
  return Buffer.from(text, 'utf8');
}

export type OutputFormat = 'text' | 'hex' | 'base64' | 'json';

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
