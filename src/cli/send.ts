/** `tfgw send`: joins the gateway, sends messages to one destination, leaves. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { type ClientFlags, addClientOptions, bytesArg, connectWith } from './client-options';

interface SendFlags extends ClientFlags {
  as?: string;
  stdin?: boolean;
}

export function registerSend(program: Command): void {
  addClientOptions(
    program
      .command('send')
      .description('send messages to <destination>: each argument is one message, or each line of stdin with --stdin')
      .argument('<destination>', 'identity to send to (hex:… or base64:… for raw bytes)')
      .argument('[messages...]', 'messages to send (hex:… or base64:… for raw bytes)')
      .option('--as <identity>', 'own identity in the gateway (default: send-<pid>)')
      .option('--stdin', 'read messages from standard input, one per line'),
  ).action(async (destination: string, messages: string[], flags: SendFlags) => {
    const client = await connectWith(flags);
    const peer = await client.enterGateway(bytesArg(flags.as ?? `send-${process.pid}`), { buffer: false });
    const dest = bytesArg(destination);
    let count = 0;
    for (const m of messages) {
      await peer.send(dest, bytesArg(m));
      count++;
    }
    if (flags.stdin) {
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
        await peer.send(dest, Buffer.from(line, 'utf8'));
        count++;
      }
    }
    await peer.leave();
    await client.end();
    process.stderr.write(`sent ${count} message(s) to ${destination}\n`);
  });
}
