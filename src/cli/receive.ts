/** `tfgw receive` (also `tfgw listen`): joins the gateway as an identity and prints what it receives. */
import type { Command } from 'commander';
import { type ClientFlags, type OutputFormat, addClientOptions, bytesArg, connectWith, formatMessage } from './client-options';

interface ReceiveFlags extends ClientFlags {
  count?: string;
  format: OutputFormat;
}

export function registerReceive(program: Command): void {
  addClientOptions(
    program
      .command('receive')
      .alias('listen')
      .description('join the gateway as <identity> and print each received message on its own line')
      .argument('<identity>', 'identity to claim (hex:… or base64:… for raw bytes)')
      .option('-n, --count <n>', 'leave after this many messages')
      .option('-f, --format <format>', 'text, hex, base64 or json', 'text'),
  ).action(async (identity: string, flags: ReceiveFlags) => {
    const limit = flags.count === undefined ? Number.POSITIVE_INFINITY : Number(flags.count);
    const client = await connectWith(flags);
    const peer = await client.enterGateway(bytesArg(identity));
    process.stderr.write(`listening as ${identity}\n`);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void peer.leave().then(() => client.end());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    let seen = 0;
    for await (const message of peer) {
      process.stdout.write(`${formatMessage(message, flags.format)}\n`);
      if (++seen >= limit) break;
    }
    stop();
  });
}
