/**
 * `tfgw spool send`: writes one message into the spool by SPOOL.md §7, without
 * connecting to the server, for scripts on the server's host. It says whether the
 * identity was present, which the spool can tell and the protocol cannot; the
 * exit status tells a script the same (0 queued, 2 absent, 3 full, 4 too large).
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { deliverToSpool } from '../spool/deliver';
import { MAX_MESSAGE_BYTES } from '../spool/inbox-file';
import { type BytesArg, bytesArg, identityArg } from './client-options';
import { type SpoolFlags, addSpoolOption, openSpoolDirectory } from './spool-dir';

interface SpoolSendFlags extends SpoolFlags {
  stdin?: boolean;
  file?: string;
}

/** Exit statuses a script can tell apart (1 stays commander's and every other error's). */
export const SEND_EXIT = { absent: 2, full: 3, tooLarge: 4 } as const;

export function registerSpoolSend(spool: Command): void {
  addSpoolOption(
    spool
      .command('send')
      .description(
        'write one message for <identity> straight into the spool (no connection), by docs/SPOOL.md §7; ' +
          `exits ${SEND_EXIT.absent} when nobody holds the identity, ${SEND_EXIT.full} when its inbox is full, ` +
          `${SEND_EXIT.tooLarge} when the message is over ${MAX_MESSAGE_BYTES} bytes`,
      )
      .argument('<identity>', 'identity to write to (hex:… or base64:… for raw bytes)', identityArg)
      .argument('[message]', 'the message (hex:… or base64:… for raw bytes)', bytesArg)
      .option('--stdin', 'the message is all of standard input')
      .option('--file <file>', 'the message is the whole of this file'),
  ).action(async (identity: BytesArg, message: BytesArg | undefined, flags: SpoolSendFlags) => {
    const sources = [message !== undefined, flags.stdin === true, flags.file !== undefined].filter(Boolean).length;
    if (sources !== 1) throw new Error('give the message as an argument, or --stdin, or --file FILE (exactly one of them)');
    const layout = openSpoolDirectory(flags);
    const bytes = message?.bytes ?? (await readAtMost(flags.file ? createReadStream(flags.file) : process.stdin, MAX_MESSAGE_BYTES + 1));
    const outcome = deliverToSpool(layout.root, identity.bytes, bytes);
    const who = identity.text;
    switch (outcome.status) {
      case 'queued':
        process.stdout.write(`queued ${bytes.length} bytes for ${who} (present) as ${outcome.name}/${outcome.file}\n`);
        return;
      case 'absent':
        return refuse(SEND_EXIT.absent, `${who} is not in the gateway (no ${outcome.name} in ${layout.root}): nothing written`);
      case 'left':
        return refuse(SEND_EXIT.absent, `${who} left the gateway while the message was written: nothing delivered`);
      case 'full':
        return refuse(SEND_EXIT.full, `the inbox of ${who} is full (its reader is behind): nothing written`);
      case 'too-large':
        return refuse(
          SEND_EXIT.tooLarge,
          `the message is over ${MAX_MESSAGE_BYTES} bytes, the largest a gateway message can be: nothing written`,
        );
      default:
        throw new Error(`could not write into the inbox of ${who}: ${outcome.error}`);
    }
  });
}

function refuse(status: number, message: string): void {
  process.stderr.write(`tfgw: ${message}\n`);
  process.exitCode = status;
}

/** Reads a stream to its end, or up to `limit` bytes (a bigger input need not be read whole to be refused). */
async function readAtMost(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const piece = chunk as Buffer;
    chunks.push(piece);
    length += piece.length;
    // Leaving the loop ends (destroys) the stream.
    if (length >= limit) break;
  }
  return Buffer.concat(chunks, Math.min(length, limit));
}
