/**
 * `tfgw peer`: an interactive gateway peer. On a terminal it keeps a prompt and
 * redraws it under each incoming message; with piped input it prints no prompts,
 * sends each `@destination message` line and leaves at the end of the input.
 */
import { type Interface, clearLine, createInterface, cursorTo } from 'node:readline';
import type { Command } from 'commander';
import type { GatewayPeer } from '../client';
import { messageProblem } from '../protocol/frame';
import {
  type BytesArg,
  type ClientFlags,
  type OutputFormat,
  addClientOptions,
  connectWith,
  formatMessage,
  formatOption,
  identityArg,
} from './client-options';

interface PeerFlags extends ClientFlags {
  format: OutputFormat;
}

/** What the user types to send: `@destination message`. */
const SEND_LINE = /^@(\S+)\s?([\s\S]*)$/;

export function registerPeer(program: Command): void {
  addClientOptions(
    program
      .command('peer')
      .description('join the gateway as <identity>; type "@destination message" to send, /quit to leave')
      .argument('<identity>', 'identity to claim (hex:… or base64:… for raw bytes)', identityArg)
      .addOption(formatOption('how received messages are shown')),
  ).action(runPeer);
}

async function runPeer(identity: BytesArg, flags: PeerFlags): Promise<void> {
  const client = await connectWith(flags);
  const peer = await client.enterGateway(identity.bytes, { buffer: false });
  const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: terminal ? process.stdout : undefined, terminal });
  const show = (line: string) => {
    if (terminal) clearPromptLine();
    process.stdout.write(`${line}\n`);
    rl.prompt(true);
  };
  peer.on('message', (m) => show(`< ${formatMessage(m, flags.format)}`));
  peer.on('end', (err) => {
    if (!err) return;
    // Nothing more can be sent or received: leave now rather than at the next typed line.
    if (terminal) clearPromptLine();
    process.stderr.write(`connection lost: ${err.message}\n`);
    process.exitCode = 1;
    rl.close();
  });
  rl.on('SIGINT', () => rl.close());
  if (terminal) {
    rl.setPrompt(`${identity.text}> `);
    const other = identity.text === 'bob' ? 'alice' : 'bob';
    process.stdout.write(`in the gateway as ${identity.text}. "@${other} hello" sends hello to ${other}; /quit leaves.\n`);
    rl.prompt();
  } else {
    process.stderr.write(`in the gateway as ${identity.text}\n`);
  }
  await readLines(rl, peer, show);
  rl.close();
  if (peer.state === 'open') await peer.leave();
  if (!client.closed) await client.end();
}

/** Sends each `@destination message` line until /quit, the end of the input or a lost connection. */
async function readLines(rl: Interface, peer: GatewayPeer, show: (line: string) => void): Promise<void> {
  for await (const line of rl) {
    if (peer.state !== 'open') break;
    const text = line.trim();
    if (text === '/quit') break;
    if (text) {
      const problem = await sendLine(peer, line);
      if (problem) show(problem);
    }
    rl.prompt();
  }
}

/** Sends one typed line; returns what to tell the user when it cannot be sent. */
async function sendLine(peer: GatewayPeer, line: string): Promise<string | null> {
  const m = SEND_LINE.exec(line);
  if (!m) return 'type "@destination message", or /quit';
  // The destination may be hex: or base64:, as on the command line; the message is the text typed.
  let destination: BytesArg;
  try {
    destination = identityArg(m[1]!);
  } catch (error) {
    return (error as Error).message;
  }
  const message = Buffer.from(m[2]!, 'utf8');
  const problem = messageProblem(message);
  if (problem) return problem;
  try {
    await peer.send(destination.bytes, message);
  } catch (error) {
    // A send after the connection went is reported by the 'end' listener.
    if (peer.state === 'open') return `not sent: ${(error as Error).message}`;
  }
  return null;
}

/** Takes the prompt and what was typed off the terminal's line, so a message can be printed there. */
function clearPromptLine(): void {
  cursorTo(process.stdout, 0);
  clearLine(process.stdout, 0);
}
