/** `tfgw receive` (also `tfgw listen`): joins the gateway as an identity and prints what it receives. */
import type { Command } from 'commander';
import {
  type BytesArg,
  type ClientFlags,
  type OutputFormat,
  addClientOptions,
  connectWith,
  countArg,
  formatMessage,
  formatOption,
  identityArg,
} from './client-options';

interface ReceiveFlags extends ClientFlags {
  count?: number;
  format: OutputFormat;
}

export function registerReceive(program: Command): void {
  addClientOptions(
    program
      .command('receive')
      .alias('listen')
      .description('join the gateway as <identity> and print each received message on its own line')
      .argument('<identity>', 'identity to claim (hex:… or base64:… for raw bytes)', identityArg)
      .option('-n, --count <n>', 'leave after this many messages', countArg)
      .addOption(formatOption('how each message is printed')),
  ).action(async (identity: BytesArg, flags: ReceiveFlags) => {
    const limit = flags.count ?? Number.POSITIVE_INFINITY;
    const client = await connectWith(flags);
    const peer = await client.enterGateway(identity.bytes);
    process.stderr.write(`listening as ${identity.text}\n`);
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
