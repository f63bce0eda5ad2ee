/** `tfgw peer`: an interactive gateway peer for a terminal. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { type ClientFlags, type OutputFormat, addClientOptions, bytesArg, connectWith, formatMessage } from './client-options';

interface PeerFlags extends ClientFlags {
  format: OutputFormat;
}

export function registerPeer(program: Command): void {
  addClientOptions(
    program
      .command('peer')
      .description('join the gateway as <identity>; type "@destination message" to send, /quit to leave')
      .argument('<identity>', 'identity to claim (hex:… or base64:… for raw bytes)')
      .option('-f, --format <format>', 'how received messages are shown: text, hex, base64 or json', 'text'),
  ).action(async (identity: string, flags: PeerFlags) => {
    const client = await connectWith(flags);
    const peer = await client.enterGateway(bytesArg(identity), { buffer: false });
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
    const show = (line: string) => {
      process.stdout.write(`\r${line}\n`);
      rl.prompt(true);
    };
    peer.on('message', (m) => show(`< ${formatMessage(m, flags.format)}`));
    peer.on('end', (err) => {
      if (err) show(`connection lost: ${err.message}`);
    });
    rl.setPrompt(`${identity}> `);
    process.stdout.write(`in the gateway as ${identity}. "@bob hello" sends to bob; /quit leaves.\n`);
    rl.prompt();
    for await (const line of rl) {
      const text = line.trim();
      if (text === '/quit') break;
      const m = /^@(\S+)\s?([\s\S]*)$/.exec(line);
      if (!m) {
        if (text) show('type "@destination message", or /quit');
        else rl.prompt();
        continue;
      }
      await peer.send(bytesArg(m[1]!), Buffer.from(m[2]!, 'utf8'));
      rl.prompt();
    }
    rl.close();
    if (peer.state === 'open') await peer.leave();
    if (!client.closed) await client.end();
  });
}
