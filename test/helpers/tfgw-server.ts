/**
 * Runs the real `tfgw serve` (the CLI, its listener and session processes) on
 * loopback with its own data directory and spool, for integration tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type TfClient, connect } from '../../src/client';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const TFGW_BIN = path.join(REPO_ROOT, 'bin', 'tfgw');

export interface ServerHandle {
  port: number;
  hash: string;
  publicKey: string;
  spool: string;
  dataDir: string;
  child: ChildProcess;
  /** Port of the metrics endpoint when started with --metrics-listen 127.0.0.1:0. */
  metricsPort: number | null;
  /** Everything the server wrote to stderr so far. */
  logs(): string;
  connect(): Promise<TfClient>;
  /** Names `ls <spool>` shows (hidden entries left out). */
  spoolEntries(): string[];
  /** Every entry under the spool's hidden directories (inboxes, tmp, locks, run). */
  spoolInternals(): string[];
  /** Polls until `check` holds or the time is up; returns whether it held. */
  waitFor(check: () => boolean, ms?: number): Promise<boolean>;
  stop(): Promise<number | null>;
}

/**
 * Starts `tfgw serve` with `extraArgs` (and `env`). A `launcher` (a command and
 * its arguments, say a user namespace of the test's own) runs the server: it gets
 * the node binary and its arguments appended and must exec them, so the server's
 * pid is the child's.
 */
export async function startServer(extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}, launcher: string[] = []): Promise<ServerHandle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfgw-test-'));
  const dataDir = path.join(dir, 'data');
  // A `--spool DIR` among the extra arguments (say, on a file system of the test's own) replaces the default.
  const spoolFlag = extraArgs.indexOf('--spool');
  const spool = spoolFlag >= 0 ? path.resolve(extraArgs[spoolFlag + 1]!) : path.join(dir, 'spool');
  const serve = [TFGW_BIN, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...(spoolFlag >= 0 ? [] : ['--spool', spool]), ...extraArgs];
  const [command, ...args] = [...launcher, process.execPath, ...serve];
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 15_000);
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /listening on\s+127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m && stdout.includes('spool ')) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${stderr}`));
    });
  });
  const hash = /hash\s+(\S+)/.exec(stdout)![1]!;
  const metrics = /metrics\s+http:\/\/[^:]+:(\d+)\/metrics/.exec(stdout);
  const publicKey = readFileSync(path.join(dataDir, 'public.pem'), 'utf8');
  const list = (d: string) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  const handle: ServerHandle = {
    port,
    hash,
    publicKey,
    spool,
    dataDir,
    child,
    metricsPort: metrics ? Number(metrics[1]) : null,
    logs: () => stderr,
    connect: () => connect({ host: '127.0.0.1', port, version: '0.0', publicKey, hash }),
    spoolEntries: () => list(spool).filter((n) => !n.startsWith('.')),
    spoolInternals: () =>
      ['.inboxes', '.tmp', '.locks', '.run'].flatMap((d) => list(path.join(spool, d)).map((n) => `${d}/${n}`)),
    waitFor: async (check, ms = 5000) => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (check()) return true;
        await new Promise((r) => setTimeout(r, 20));
      }
      return check();
    },
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  return handle;
}
