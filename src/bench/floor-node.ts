/**
 * The process floor: how long a bare `node -e 0` takes from spawn to exit (a
 * tfgw session is a process started per connection), and how much memory (PSS)
 * an idle bare node process holds (the least a session process can cost), alone
 * and among others like it.
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
  /**
   * Mean PSS of SIDE_BY_SIDE idle bare node processes running at once: they share
   * the node binary's pages as sessions do, so this is the fair floor for memory
   * per peer when many peers are connected.
   */
  pssSideBySideMB: number | null;
  sideBySide: number;
}

const SIDE_BY_SIDE = 20;

/**
 * The floor runs node in the environment a tfgw session gets: without
 * NODE_EXTRA_CA_CERTS, which would make each process parse a certificate bundle
 * at start-up (time and memory that no gateway session needs).
 */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

function runOnce(): Promise<number> {
  const t0 = nowMs();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', env: bareEnv() });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(nowMs() - t0) : reject(new Error(`node -e 0 exited with ${code}`))));
  });
}

/** Mean PSS of `count` idle bare node processes running at once, read once they have settled. */
async function idlePssMB(count: number): Promise<number | null> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', "process.stdout.write('up');setInterval(()=>{},1e9)"], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: bareEnv(),
    }),
  );
  try {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            child.once('error', reject);
            child.stdout!.once('data', () => resolve());
          }),
      ),
    );
    await sleep(200);
    const kbs = children.map((child) => readPssKb(child.pid!));
    if (kbs.some((kb) => kb === null)) return null;
    const meanKb = (kbs as number[]).reduce((a, b) => a + b, 0) / count;
    return (meanKb * 1024) / 1e6;
  } finally {
    await Promise.all(
      children.map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        return exited;
      }),
    );
  }
}

/** `runs` start-ups one after another (after one unmeasured run), then the idle PSS. */
export async function measureNodeFloor(runs: number): Promise<NodeFloor> {
  await runOnce();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await runOnce());
  return {
    runs,
    startupMs: summarize(samples),
    pssMB: await idlePssMB(1),
    pssSideBySideMB: await idlePssMB(SIDE_BY_SIDE),
    sideBySide: SIDE_BY_SIDE,
  };
}
