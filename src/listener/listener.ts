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
import { rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { isIP } from 'node:net';
import { type Server, type Socket, createServer } from 'node:net';
import { Spool } from '../spool';
import { keepSpoolPrivate } from '../spool/root-check';
import { NodeHeartbeat, heartbeatInterval } from '../spool/node-heartbeat';
import { formatAddress, parseListenAddress } from '../settings/address';
import { LIVE_SETTINGS, type ServerConfig } from '../settings/table';
import type { Logger } from '../log/logger';
import { errnoText, systemError, systemErrorText } from '../log/system-error';
import { gather } from './metrics';
import { startMetricsServer } from './http-endpoint';
import { type NativeSockets, nativeSockets } from '../native';
import { SessionPool } from './pool';
import { PreforkPolicy } from './prefork';
import { listenerHealth } from './health';
import { sessionSettings } from '../settings/session-settings';
import { checkInotifyBudget } from './inotify-budget';
import { checkSharedSpool } from './spool-checks';

export interface ListenerOptions {
  config: ServerConfig;
  privateKeyFile: string;
  hash: string;
  log: Logger;
}

/** How often the listener checks its pool and the spool's directories. */
const CHECK_MS = 2000;
/** How often the listener looks for connections left waiting in the backlog. */
const BACKLOG_CHECK_MS = 250;

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
  private nodesTimer: NodeJS.Timeout | null = null;
  private sweeping = false;
  private backlogTimer: NodeJS.Timeout | null = null;
  /** The prefork model's sizing of the pool; null in the spawn model. */
  private readonly prefork: PreforkPolicy | null = null;
  private stopping: Promise<void> | null = null;
  private metrics: HttpServer | null = null;
  /** This node's heartbeat in the spool, by which other nodes know it is there. */
  private readonly heartbeat: NodeHeartbeat;
  /** Port of the metrics endpoint, once started. */
  metricsPort: number | null = null;

  constructor(private readonly options: ListenerOptions) {
    const { config } = options;
    this.spool = new Spool({ root: config.spool, staleMs: config.staleMs, node: config.nodeId, reuseFiles: config.reuseFiles });
    this.heartbeat = new NodeHeartbeat(this.spool.layout, config.staleMs);
    this.sessions = new SessionPool(this.spool, sessionSettings(config, options.privateKeyFile, options.hash), options.log);
    this.native = config.processModel === 'prefork' ? nativeSockets() : null;
    this.model = this.native ? 'prefork' : 'spawn';
    if (this.native) this.prefork = this.preforkPolicy(this.native);
    else if (config.processModel === 'prefork') {
      options.log.warn('native socket helpers unavailable; starting one process per connection instead of preforking');
    }
  }

  private preforkPolicy(native: NativeSockets): PreforkPolicy {
    const { config, log } = this.options;
    return new PreforkPolicy({
      pool: this.sessions,
      limits: () => config,
      listenFds: this.listenFds,
      backlogWaiting: () => this.listenFds.some((fd) => native.pending(fd) === 1),
      log,
    });
  }

  /** Addresses actually bound (ports resolved when 0 was asked for). */
  addresses(): { host: string; port: number }[] {
    return [...this.bound];
  }

  async start(): Promise<void> {
    const { log, config } = this.options;
    this.spool.open();
    this.heartbeat.start();
    checkSharedSpool(this.spool, log);
    checkInotifyBudget(config.maxPeers, log);
    await this.sweep('swept leftovers from an earlier run');
    this.sessions.watchRunRecords();
    for (const text of config.listen) {
      const { host, port } = parseListenAddress(text);
      if (this.native) await this.listenBare(this.native, host, port);
      else await this.listenServer(host, port, text);
    }
    if (this.prefork) {
      this.sessions.onChange = () => this.topUp();
      this.topUp();
    }
    this.startTimers();
    if (config.metricsListen) await this.startMetrics(config.metricsListen);
    log.info('listening', { model: this.model, addresses: this.bound.map(formatAddress).join(',') });
  }

  private startTimers(): void {
    this.sweepTimer = setInterval(() => void this.periodicSweep(), this.options.config.staleMs);
    this.sweepTimer.unref();
    // Other nodes sharing the spool are watched at their heartbeats' pace; one gone stale is swept at once.
    this.nodesTimer = setInterval(() => {
      if (this.spool.janitor.watchNodes()) void this.periodicSweep();
    }, heartbeatInterval(this.options.config.staleMs));
    this.nodesTimer.unref();
    this.checkTimer = setInterval(() => this.check(), CHECK_MS);
    this.checkTimer.unref();
    if (this.prefork) {
      this.backlogTimer = setInterval(() => this.checkBacklog(), BACKLOG_CHECK_MS);
      this.backlogTimer.unref();
    }
  }

  private async startMetrics(address: string): Promise<void> {
    const started = await startMetricsServer(
      address,
      () => this.snapshot(),
      () => this.health(),
    );
    this.metrics = started.server;
    this.metricsPort = started.port;
    this.options.log.info('metrics endpoint', { address, port: started.port });
  }

  private async listenBare(native: NativeSockets, host: string, port: number): Promise<void> {
    const numeric = isIP(host) ? host : (await lookup(host)).address;
    const fd = native.listenTcp(numeric, port, 511, numeric === '::' ? 0 : 1);
    if (fd < 0) throw new Error(`cannot listen on ${formatAddress({ host: numeric, port })}: ${errnoText(fd)}`);
    this.listenFds.push(fd);
    this.bound.push({ host: numeric, port: native.localPort(fd) });
  }

  private async listenServer(host: string, port: number, text: string): Promise<void> {
    const server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
    server.on('error', (err) => this.options.log.error('listener error', { address: text, error: err.message }));
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error) => reject(systemError('cannot listen on', formatAddress({ host, port }), err));
      server.once('error', failed);
      server.listen({ host, port }, () => {
        server.off('error', failed);
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
      this.topUp();
    }
    return { applied, needsRestart };
  }

  snapshot() {
    const s = this.sessions;
    return gather(this.spool.layout, s.pids(), s.retired, s.started, s.crashed);
  }

  /** Healthy while accepting and the spool is writable. */
  health() {
    return listenerHealth(this.model, this.stopping !== null, this.spool.layout, this.sessions);
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
      const was = keepSpoolPrivate(this.spool.layout.root);
      if (was !== null) this.options.log.warn('spool directory mode changed; set back to 0700', { was: was.toString(8) });
      this.sessions.rewatchIfNeeded();
    } catch (err) {
      this.options.log.warn('spool check failed', { error: (err as Error).message });
    }
    this.sessions.refreshAll();
    this.prefork?.shrink();
  }

  /**
   * Prefork: one more process when connections wait unaccepted (see
   * PreforkPolicy.checkBacklog), and a top-up for a shortfall of spares that has
   * lasted since the last state change (SPARE_DEFICIT_MS).
   */
  private checkBacklog(): void {
    if (this.stopping) return;
    this.prefork?.checkBacklog();
    this.prefork?.topUp();
  }

  /** Prefork: keeps enough session processes waiting, within the session limit. */
  private topUp(): void {
    if (!this.stopping) this.prefork?.topUp();
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

  /** Sweeps the spool, logging `message` with the counts when anything was removed. */
  private async sweep(message: string): Promise<void> {
    const swept = await this.spool.janitor.sweep();
    const total = Object.values(swept).reduce((a, b) => a + b, 0);
    if (total > 0) this.options.log.info(message, { ...swept });
  }

  private async periodicSweep(): Promise<void> {
    // One sweep at a time: the timer's and one a node going stale asked for may meet.
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.sweep('swept stale spool entries');
    } catch (err) {
      this.options.log.error('sweep failed', { error: (err as Error).message });
    } finally {
      this.sweeping = false;
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
    if (this.nodesTimer) clearInterval(this.nodesTimer);
    if (this.backlogTimer) clearInterval(this.backlogTimer);
    this.metrics?.close();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const fd of this.listenFds) this.native?.closeFd(fd);
    log.info('shutting down', { sessions: this.sessions.count('busy') });
    await this.sessions.drain(config.shutdownDrainMs);
    try {
      await this.spool.janitor.sweep();
      rmSync(this.spool.layout.tmpDir(process.pid), { recursive: true, force: true });
    } catch (err) {
      // A spool gone read-only (or away) at shutdown: what is left is swept at the next start.
      log.warn('final sweep of the spool failed; leftovers are swept at the next start', { error: systemErrorText(err) });
    }
    if (!this.heartbeat.stop()) log.warn("this node's heartbeat could not be removed; another node's sweep removes it once it stands still");
    log.info('stopped');
  }
}
