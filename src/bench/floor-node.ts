/**
 * The process floor: how long a bare `node -e 0` takes from spawn to exit (a
 * tfgw session is a process started per connection), and how much memory (PSS)
 * an idle bare node process holds (the least a session process can cost).
 */
import { spawn } from 'node:child_process';
import { nowMs, sleep } from './clock';
import { readPssKb } from './pss';
import { type Summary, summarize } from './stats';

export interface NodeFloor {
  runs: number;
  startupMs: Summary | null;
  /** MB of 10^6 bytes; null where /proc is not readable. */
  pssMB: number | null;
}

function runOnce(): Promise<number> {
  const t0 = nowMs();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(nowMs() - t0) : reject(new Error(`node -e 0 exited with ${code}`))));
  });
}

/** PSS of an idle bare node process, read once it has settled. */
async function idlePssMB(): Promise<number | null> {
  const child = spawn(process.execPath, ['-e', "process.stdout.write('up');setInterval(()=>{},1e9)"], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.stdout!.once('data', () => resolve());
    });
    await sleep(200);
    const kb = readPssKb(child.pid!);
    return kb === null ? null : (kb * 1024) / 1e6;
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** `runs` start-ups one after another (after one unmeasured run), then the idle PSS. */
export async function measureNodeFloor(runs: number): Promise<NodeFloor> {
  await runOnce();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await runOnce());
  return { runs, startupMs: summarize(samples), pssMB: await idlePssMB() };
}
