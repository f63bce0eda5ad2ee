/**
 * The listening process. It owns the listening sockets and the session processes,
 * never a client's bytes. Two process models:
 *  - prefork (default, needs the native helpers): the listening sockets are bare
 *    descriptors this process never polls; it keeps `spareSessions` session
 *    processes waiting on them, each accepting one connection at a time itself,
 *    and starts more as they get busy, up to `maxSessions`;
 *  - spawn: it accepts each connection (paused, unread) and starts a session
 *    process for it, handing the socket over as inherited descriptor 3.
 * In both, each connection has its own process, the spool is the only channel
 * between processes, ended processes are reaped and their inboxes cleared, and
 * the spool is swept at start and periodically.
 */
import { lookup } from 'node:dns/promises';
import { accessSync, constants, rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { isIP } from 'node:net';
import { type Server, type Socket, createServer } from 'node:net';
import { Spool } from '../spool';
import { formatAddress, parseListenAddress } from '../settings/address';
import { LIVE_SETTINGS, type ServerConfig } from '../settings/table';
import type { Logger } from '../log/logger';
import { gather } from './metrics';
import { startMetricsServer } from './http-endpoint';
import { type NativeSockets, nativeSockets } from '../native';
import { SessionPool } from './pool';
import { sessionSettings } from '../settings/session-settings';

export interface ListenerOptions {
  config: ServerConfig;
  privateKeyFile: string;
  hash: string;
  log: Logger;
}

/** At most this many session processes starting at once (start-up is CPU-bound). */
const MAX_STARTING = 2;
/** How often the listener checks its pool and the spool's directories. */
const CHECK_MS = 2000;
/** How often the listener looks for connections left waiting in the backlog. */
const BACKLOG_CHECK_MS = 250;
/** Waiting processes beyond the spares retire after waiting this long (the pool shrinks after a burst). */
const RETIRE_AFTER_MS = 10_000;

export class Listener {
  readonly spool: Spool;
  readonly sessions: SessionPool;
  readonly model: ServerConfig['processModel'];
  private readonly native: NativeSockets | null;
  private readonly servers: Server[] = [];
  private readonly listenFds: number[] = [];
  private readonly bound: { host: string; port: number }[] = [];
  private sweepTimer: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  private backlogTimer: NodeJS.Timeout | null = null;
  /** Checks in a row that found connections waiting in a listening socket's backlog. */
  private backlogSeen = 0;
  private stopping: Promise<void> | null = null;
  private limitLogged = 0;
  private metrics: HttpServer | null = null;
  /** Port of the metrics endpoint, once started. */
  metricsPort: number | null = null;

  constructor(private readonly options: ListenerOptions) {
    const { config } = options;
    this.spool = new Spool({ root: config.spool, staleMs: config.staleMs });
    this.sessions = new SessionPool(this.spool, sessionSettings(config, options.privateKeyFile, options.hash), options.log);
    this.native = config.processModel === 'prefork' ? nativeSockets() : null;
    this.model = this.native ? 'prefork' : 'spawn';
    if (config.processModel === 'prefork' && !this.native) {
      options.log.warn('native socket helpers unavailable; starting one process per connection instead of preforking');
    }
  }

  /** Addresses actually bound (ports resolved when 0 was asked for). */
  addresses(): { host: string; port: number }[] {
    return [...this.bound];
  }

  async start(): Promise<void> {
    const { log, config } = this.options;
    this.spool.init();
    const swept = await this.spool.janitor.sweep();
    const total = Object.values(swept).reduce((a, b) => a + b, 0);
    if (total > 0) log.info('swept leftovers from an earlier run', { ...swept });
    this.sessions.watchRunRecords();
    for (const text of config.listen) {
      const { host, port } = parseListenAddress(text);
      if (this.native) await this.listenBare(this.native, host, port);
      else await this.listenServer(host, port, text);
    }
    if (this.native) {
      this.sessions.onChange = () => this.topUp();
      this.topUp();
    }
    this.sweepTimer = setInterval(() => void this.periodicSweep(), config.staleMs);
    this.sweepTimer.unref();
    this.checkTimer = setInterval(() => this.check(), CHECK_MS);
    this.checkTimer.unref();
    if (this.native) {
      this.backlogTimer = setInterval(() => this.checkBacklog(), BACKLOG_CHECK_MS);
      this.backlogTimer.unref();
    }
    if (config.metricsListen) {
      const started = await startMetricsServer(
        config.metricsListen,
        () => this.snapshot(),
        () => this.health(),
      );
      this.metrics = started.server;
      this.metricsPort = started.port;
      log.info('metrics endpoint', { address: config.metricsListen, port: started.port });
    }
    log.info('listening', { model: this.model, addresses: this.bound.map(formatAddress).join(',') });
  }

  private async listenBare(native: NativeSockets, host: string, port: number): Promise<void> {
    const numeric = isIP(host) ? host : (await lookup(host)).address;
    const fd = native.listenTcp(numeric, port, 511, numeric === '::' ? 0 : 1);
    if (fd < 0) throw new Error(`cannot listen on ${formatAddress({ host: numeric, port })}: errno ${-fd}`);
    this.listenFds.push(fd);
    this.bound.push({ host: numeric, port: native.localPort(fd) });
  }

  private async listenServer(host: string, port: number, text: string): Promise<void> {
    const server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
    server.on('error', (err) => this.options.log.error('listener error', { address: text, error: err.message }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
    const a = server.address();
    if (a && typeof a === 'object') this.bound.push({ host: a.address, port: a.port });
  }

  /**
   * Takes the live settings of `next`. Session processes already serving a client
   * keep theirs; waiting ones are replaced so new connections get the new ones.
   * Returns what changed and what would need a restart.
   */
  reload(next: ServerConfig): { applied: string[]; needsRestart: string[] } {
    const current = this.options.config as unknown as Record<string, unknown>;
    const incoming = next as unknown as Record<string, unknown>;
    const applied: string[] = [];
    const needsRestart: string[] = [];
    for (const key of Object.keys(incoming)) {
      if (JSON.stringify(current[key]) === JSON.stringify(incoming[key])) continue;
      if ((LIVE_SETTINGS as readonly string[]).includes(key)) {
        applied.push(`${key}=${JSON.stringify(incoming[key])}`);
        current[key] = incoming[key];
      } else {
        needsRestart.push(key);
      }
    }
    if (applied.length > 0) {
      this.options.log.level = this.options.config.logLevel;
      this.sessions.updateSettings(sessionSettings(this.options.config, this.options.privateKeyFile, this.options.hash));
      this.sessions.retireIdle();
      if (this.native) this.topUp();
    }
    return { applied, needsRestart };
  }

  snapshot() {
    const s = this.sessions;
    return gather(this.spool.layout, s.pids(), s.retired, s.started, s.crashed);
  }

  /** Healthy while accepting and the spool is writable. */
  health() {
    let spoolWritable = true;
    try {
      for (const dir of [this.spool.layout.root, ...this.spool.layout.dirs()]) accessSync(dir, constants.W_OK);
    } catch {
      spoolWritable = false;
    }
    const ok = !this.stopping && spoolWritable;
    return {
      ok,
      detail: {
        model: this.model,
        stopping: this.stopping !== null,
        spoolWritable,
        sessions: this.sessions.size,
        idle: this.sessions.count('idle'),
        busy: this.sessions.count('busy'),
      },
    };
  }

  /**
   * Periodic upkeep: the spool's directories exist (an operator may have deleted
   * the spool under us), the run-record watch is alive, every process's state is
   * current, and the pool is back to its size after a burst.
   */
  private check(): void {
    if (this.stopping) return;
    try {
      this.spool.init();
      this.sessions.rewatchIfNeeded();
    } catch (err) {
      this.options.log.warn('spool check failed', { error: (err as Error).message });
    }
    this.sessions.refreshAll();
    if (this.native) {
      const retired = this.sessions.retireSurplus(this.options.config.spareSessions, RETIRE_AFTER_MS);
      if (retired > 0) this.options.log.debug('retired surplus waiting session processes', { retired });
      this.topUp();
    }
  }

  /**
   * The pool is sized from the session processes' run records. When those cannot
   * be written (the spool full or read-only) the listener would believe busy
   * processes idle; connections still waiting in a backlog on two checks in a row
   * mean nobody is accepting them, so one more process is started (within
   * `maxSessions`).
   */
  private checkBacklog(): void {
    const native = this.native;
    if (!native || this.stopping) return;
    const waiting = this.listenFds.some((fd) => native.pending(fd) === 1);
    this.backlogSeen = waiting ? this.backlogSeen + 1 : 0;
    // A process that started recently may simply not be accepting yet.
    if (this.backlogSeen < 2 || this.sessions.startingWithin(2000) > 0) return;
    if (this.sessions.size >= this.options.config.maxSessions) return;
    this.backlogSeen = 0;
    this.options.log.warn('connections waiting unaccepted; starting another session process', {
      sessions: this.sessions.size,
    });
    this.sessions.start('accept', this.listenFds, null);
  }

  /** Prefork: keeps enough session processes waiting, within the session limit. */
  private topUp(): void {
    if (this.stopping) return;
    const { config, log } = this.options;
    const waiting = () => this.sessions.count('idle') + this.sessions.count('starting');
    while (
      waiting() < config.spareSessions &&
      this.sessions.size < config.maxSessions &&
      this.sessions.count('starting') < MAX_STARTING
    ) {
      if (this.sessions.start('accept', this.listenFds, null) === null) break;
    }
    if (this.sessions.size >= config.maxSessions && waiting() === 0 && Date.now() - this.limitLogged > 10_000) {
      this.limitLogged = Date.now();
      log.warn('session limit reached; new connections wait in the backlog', { sessions: this.sessions.size });
    }
  }

  /** Spawn model: one session process per accepted connection. */
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
    this.sessions.start('socket', [socket], client);
    // The child holds its own copy of the descriptor now; closing ours sends nothing to the client.
    socket.destroy();
  }

  private async periodicSweep(): Promise<void> {
    try {
      const swept = await this.spool.janitor.sweep();
      const total = Object.values(swept).reduce((a, b) => a + b, 0);
      if (total > 0) this.options.log.info('swept stale spool entries', { ...swept });
    } catch (err) {
      this.options.log.error('sweep failed', { error: (err as Error).message });
    }
  }

  /**
   * Stops accepting, asks every session to end (each leaves the gateway and closes
   * its client), waits up to the drain time, then kills what is left and clears the
   * spool. `immediate` kills at once.
   */
  stop(immediate = false): Promise<void> {
    if (immediate) this.sessions.signalAll('SIGKILL');
    if (this.stopping) return this.stopping;
    this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const { log, config } = this.options;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.checkTimer) clearInterval(this.checkTimer);
    if (this.backlogTimer) clearInterval(this.backlogTimer);
    this.metrics?.close();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const fd of this.listenFds) this.native?.closeFd(fd);
    log.info('shutting down', { sessions: this.sessions.count('busy') });
    this.sessions.stopping = true;
    this.sessions.signalAll('SIGTERM');
    const deadline = Date.now() + config.shutdownDrainMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await sleep(20);
    this.sessions.signalAll('SIGKILL');
    while (this.sessions.size > 0) await sleep(10);
    await this.sessions.settled();
    this.sessions.close();
    await this.spool.janitor.sweep();
    rmSync(this.spool.layout.tmpDir(process.pid), { recursive: true, force: true });
    log.info('stopped');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
