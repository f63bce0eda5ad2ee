/** `tfgw send`: joins the gateway, sends messages to one destination, leaves. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { messageProblem } from '../protocol/frame';
import { type BytesArg, type ClientFlags, addClientOptions, connectWith, identityArg, messageListArg } from './client-options';

interface SendFlags extends ClientFlags {
  as?: BytesArg;
  stdin?: boolean;
}

export function registerSend(program: Command): void {
  addClientOptions(
    program
      .command('send')
      .description('send messages to <destination>: each argument is one message, or each line of stdin with --stdin')
      .argument('<destination>', 'identity to send to (hex:… or base64:… for raw bytes)', identityArg)
      .argument('[messages...]', 'messages to send (hex:… or base64:… for raw bytes)', messageListArg)
      .option('--as <identity>', 'own identity in the gateway (default: send-<pid>)', identityArg)
      .option('--stdin', 'read messages from standard input, one per line'),
  ).action(async (destination: BytesArg, messages: BytesArg[], flags: SendFlags) => {
    const client = await connectWith(flags);
    const own = flags.as?.bytes ?? Buffer.from(`send-${process.pid}`);
    const peer = await client.enterGateway(own, { buffer: false });
    let count = 0;
    for (const m of messages) {
      await peer.send(destination.bytes, m.bytes);
      count++;
    }
    if (flags.stdin) {
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
        const message = Buffer.from(line, 'utf8');
        const problem = messageProblem(message);
        if (problem) throw new Error(`line ${count - messages.length + 1} of stdin: ${problem}`);
        await peer.send(destination.bytes, message);
        count++;
      }
    }
    await peer.leave();
    await client.end();
    // The gateway answers no send, so the count is of messages written, not of messages received.
    process.stderr.write(
      `sent ${count} message(s) to ${destination.text} (best effort: the gateway does not say whether anyone received them)\n`,
    );
  });
}
