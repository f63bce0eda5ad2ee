/**
 * The loopback TCP floor: a message's round trip between two node processes over
 * one TCP connection (Nagle off), with no protocol and no files. A tfgw round
 * trip A→B→A crosses four such hops (client to session and session to client,
 * each way) on top of its two file hops, so this floor says how much of a
 * round trip is the network stack and process wake-ups alone.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { nowMs } from './clock';
import { type Summary, summarize } from './stats';

export interface TcpFloor {
  size: number;
  rounds: number;
  /** One write to the echoing process and the echo's read. */
  roundTripMs: Summary | null;
}

/** Echoes every byte back; prints its port once listening. */
const ECHO = `
const net = require('node:net');
const server = net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); });
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export async function measureTcpFloor(size: number, rounds: number, warmup: number): Promise<TcpFloor> {
  const child = spawn(process.execPath, ['-e', ECHO], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`echo process exited with ${code}`)));
      child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const message = Buffer.alloc(size, 0x61);
    let waiting: (() => void) | null = null;
    let got = 0;
    socket.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= size && waiting) {
        got -= size;
        const w = waiting;
        waiting = null;
        w();
      }
    });
    const round = () =>
      new Promise<number>((resolve) => {
        const t0 = nowMs();
        waiting = () => resolve(nowMs() - t0);
        socket.write(message);
      });
    for (let i = 0; i < warmup; i++) await round();
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) samples.push(await round());
    socket.destroy();
    return { size, rounds, roundTripMs: summarize(samples) };
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGKILL');
  }
}
