/**
 * The listening process: accepts connections and starts one session process per
 * connection, handing it the connected socket as inherited descriptor 3 (never over
 * an IPC channel; the socket is not read here). It caps the number of sessions,
 * reaps session processes and clears what each left in the spool, sweeps the spool
 * at start and periodically, and on shutdown ends the sessions cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import path from 'node:path';
import { Spool } from '../spool';
import { type ServerConfig, parseListenAddress } from './config';
import type { Logger } from './logger';
import { type SessionSettings, sessionSettings } from './session-settings';

const SESSION_ENTRY = path.join(__dirname, 'session-process.js');

export interface ListenerOptions {
  config: ServerConfig;
  privateKeyFile: string;
  hash: string;
  log: Logger;
}

export class Listener {
  readonly spool: Spool;
  private readonly servers: Server[] = [];
  private readonly sessions = new Map<number, ChildProcess>();
  private readonly settings: SessionSettings;
  private sweepTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private readonly reaping = new Set<Promise<unknown>>();

  constructor(private readonly options: ListenerOptions) {
    const { config } = options;
    this.spool = new Spool({ root: config.spool, staleMs: config.staleMs });
    this.settings = sessionSettings(config, options.privateKeyFile, options.hash);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Addresses actually bound (ports resolved when 0 was asked for). */
  addresses(): { host: string; port: number }[] {
    return this.servers.map((s) => {
      const a = s.address();
      return typeof a === 'object' && a ? { host: a.address, port: a.port } : { host: '', port: 0 };
    });
  }

  async start(): Promise<void> {
    const { log, config } = this.options;
    this.spool.init();
    const swept = await this.spool.cleaner.sweep();
    const total = Object.values(swept).reduce((a, b) => a + b, 0);
    if (total > 0) log.info('swept leftovers from an earlier run', { ...swept });
    for (const text of config.listen) {
      const { host, port } = parseListenAddress(text);
      const server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
      server.on('error', (err) => log.error('listener error', { address: text, error: err.message }));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, ipv6Only: host.includes(':') && host !== '::' ? true : undefined }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
    }
    this.sweepTimer = setInterval(() => void this.periodicSweep(), config.staleMs);
    this.sweepTimer.unref();
  }

  private accept(socket: Socket): void {
    const { log, config } = this.options;
    const client = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (this.sessions.size >= config.maxSessions) {
      log.warn('session limit reached, connection refused', { client, sessions: this.sessions.size });
      socket.destroy();
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [SESSION_ENTRY, JSON.stringify(this.settings)], {
        stdio: ['ignore', 'inherit', 'inherit', socket],
        // Own process group: a terminal's Ctrl-C reaches the listener, which then ends sessions in order.
        detached: true,
      });
    } catch (err) {
      log.error('could not start a session process', { client, error: (err as Error).message });
      socket.destroy();
      return;
    }
    // The child holds its own copy of the descriptor now; closing ours sends nothing to the client.
    socket.destroy();
    const pid = child.pid;
    if (pid === undefined) {
      child.on('error', (err) => log.error('session process failed to start', { client, error: err.message }));
      return;
    }
    this.sessions.set(pid, child);
    log.debug('session process started', { client, session: pid });
    child.on('exit', (code, signal) => this.reap(pid, client, code, signal));
  }

  private reap(pid: number, client: string, code: number | null, signal: NodeJS.Signals | null): void {
    const { log } = this.options;
    this.sessions.delete(pid);
    const clean = code === 0;
    log.log(clean ? 'debug' : 'warn', clean ? 'session process exited' : 'session process ended abnormally', {
      session: pid,
      client,
      code,
      signal,
    });
    const job = this.spool.cleaner
      .reap(pid)
      .then((removed) => {
        if (removed > 0) log.info('cleared the inbox of an ended session', { session: pid, inboxes: removed });
      })
      .catch((err: Error) => log.error('reaping failed', { session: pid, error: err.message }));
    this.reaping.add(job);
    void job.finally(() => this.reaping.delete(job));
  }

  private async periodicSweep(): Promise<void> {
    try {
      const swept = await this.spool.cleaner.sweep();
      const total = Object.values(swept).reduce((a, b) => a + b, 0);
      if (total > 0) this.options.log.info('swept stale spool entries', { ...swept });
    } catch (err) {
      this.options.log.error('sweep failed', { error: (err as Error).message });
    }
  }

  /**
   * Stops accepting, asks every session to end (each leaves the gateway and closes
   * its client), waits up to the drain time, then kills what is left and clears the
   * spool. A second call with `immediate` kills at once.
   */
  stop(immediate = false): Promise<void> {
    if (immediate) {
      for (const child of this.sessions.values()) child.kill('SIGKILL');
    }
    if (this.stopping) return this.stopping;
    this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const { log, config } = this.options;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    log.info('shutting down', { sessions: this.sessions.size });
    for (const child of this.sessions.values()) child.kill('SIGTERM');
    const deadline = Date.now() + config.shutdownDrainMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await sleep(20);
    for (const child of this.sessions.values()) child.kill('SIGKILL');
    while (this.sessions.size > 0) await sleep(10);
    await Promise.all([...this.reaping]);
    await this.spool.cleaner.sweep();
    rmSync(this.spool.layout.tmpDir(process.pid), { recursive: true, force: true });
    log.info('stopped');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
