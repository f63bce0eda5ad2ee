/**
 * One client connection inside a session process: ties the protocol state machine
 * to the socket, the RSA key and the spool. Reading the client's frames and
 * writing deliveries are independent: deliveries are written as the inbox yields
 * them, paused only by the socket's own backlog, while incoming frames keep being
 * parsed and relayed.
 */
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import type { KeepaliveRequest } from '../protocol/commands';
import { FAILED_ACCESS_DENIED, FAILED_INTERNAL, FAILED_MEMORY, OK } from '../protocol/replies';
import { ServerSession } from '../protocol/server-session';
import type { Spool } from '../spool';
import { displayIdentity } from '../spool/identity-name';
import { InboxReader } from '../spool/inbox';
import { identityLinks } from '../spool/view';
import type { Claim } from '../spool/ownership';
import { decryptSessionKey } from '../settings/keys';
import { RateLimiter } from './rate-limit';
import { descriptorOf, nativeSockets } from '../native';
import type { Logger } from '../log/logger';
import type { SessionSettings } from '../settings/session-settings';
import type { ProcessCounters } from '../spool/process-counters';

/** Deliveries stop being read from the inbox while this much is waiting in the socket. */
const DELIVERY_BACKLOG = 1024 * 1024;
/** The client's input is paused while this much of our output waits for it. */
const OUTPUT_BACKLOG = 8 * 1024 * 1024;

/** Wall-clock nanoseconds minus the monotonic clock, taken once: wall time with sub-millisecond steps. */
const CLOCK_BASE_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export class Connection {
  private readonly proto: ServerSession;
  readonly client: string;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private claim: Claim | null = null;
  private reader: InboxReader | null = null;
  /** Gateway entries and exits run one after another. */
  private gatewayOps: Promise<void> = Promise.resolve();
  private closing = false;
  private readonly limiter: RateLimiter | null;
  private slowTimer: NodeJS.Timeout | null = null;
  /** Reading stays paused until then (performance.now() ms) by the rate limit. */
  private heldUntil = 0;
  private endReason = 'client closed the connection';
  readonly done: Promise<string>;
  private finish!: (reason: string) => void;

  constructor(
    private readonly socket: Socket,
    private readonly settings: SessionSettings,
    private readonly privateKey: KeyObject,
    private readonly spool: Spool,
    private readonly log: Logger,
    readonly stats: ProcessCounters,
    private readonly procKey: string,
  ) {
    this.client = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.limiter = settings.rateLimitBytes > 0 ? new RateLimiter(settings.rateLimitBytes) : null;
    const host = this.host();
    this.proto = new ServerSession(
      {
        version: settings.proto,
        hash: settings.hash,
        acceptDegenerateKeys: settings.acceptDegenerateKeys,
        handshakeFrameLimit: settings.handshakeFrameLimit,
      },
      host,
    );
  }

  start(): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    this.handshakeTimer = setTimeout(() => this.abort('handshake timed out'), this.settings.handshakeTimeoutMs);
    if (this.settings.idleTimeoutMs > 0) {
      socket.setTimeout(this.settings.idleTimeoutMs, () => this.abort('idle timeout'));
    }
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      if (socket.isPaused() && performance.now() >= this.heldUntil) socket.resume();
      this.reader?.resume();
    });
    socket.on('error', (err) => {
      this.endReason = `socket error: ${err.message}`;
    });
    socket.on('end', () => {
      if (!this.closing && this.proto.midFrame) this.endReason = 'client disconnected mid-frame';
    });
    socket.on('close', () => void this.closed());
    this.log.info('session started', { client: this.client });
    socket.resume();
  }

  /** Ends the connection from our side (shutdown): leaves the gateway and closes. */
  shutdown(reason: string): void {
    this.abort(reason);
  }

  get inGateway(): boolean {
    return this.claim !== null;
  }

  /** Messages waiting in this connection's inbox, as last seen. */
  get inboxDepth(): number {
    return this.reader?.queued.files ?? 0;
  }

  private onData(chunk: Buffer): void {
    this.stats.bytesIn += chunk.length;
    this.proto.receive(chunk);
    if (this.handshakeTimer && this.proto.authenticated) {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = null;
      this.stats.handshakesOk++;
    }
    if (this.socket.writableLength > OUTPUT_BACKLOG) this.socket.pause();
    const wait = this.limiter?.take(chunk.length) ?? 0;
    if (wait > 0 && !this.closing) {
      this.heldUntil = performance.now() + wait;
      this.socket.pause();
      this.stats.rateLimited++;
      setTimeout(() => {
        if (!this.closing && this.socket.writableLength <= OUTPUT_BACKLOG) this.socket.resume();
      }, wait).unref();
    }
  }

  private write(bytes: Buffer): boolean {
    if (this.socket.destroyed || this.closing) return false;
    this.stats.bytesOut += bytes.length;
    this.socket.write(bytes);
    return this.socket.writableLength < DELIVERY_BACKLOG;
  }

  private abort(reason: string): void {
    if (this.closing) return;
    this.endReason = reason;
    this.closing = true;
    this.proto.abort();
    this.socket.destroy();
  }

  private async closed(): Promise<void> {
    this.closing = true;
    if (this.slowTimer) clearInterval(this.slowTimer);
    this.proto.abort();
    if (this.handshakeTimer) {
      clearTimeout(this.handshakeTimer);
      this.stats.handshakesFailed++;
    }
    this.queueGateway(() => this.leave());
    await this.gatewayOps;
    this.log.info('session ended', { client: this.client, reason: this.endReason });
    this.finish(this.endReason);
  }

  private queueGateway(op: () => Promise<void>): void {
    this.gatewayOps = this.gatewayOps.then(op).catch((err: Error) => {
      this.log.error('gateway operation failed', { client: this.client, error: err.message });
    });
  }

  private host() {
    return {
      nowNs: () => CLOCK_BASE_NS + process.hrtime.bigint(),
      uuid: () => randomUUID(),
      procKey: this.procKey,
      keepalive: (req: KeepaliveRequest) => this.keepalive(req),
      decryptSessionKey: (blob: Buffer) => decryptSessionKey(this.privateKey, blob),
      write: (bytes: Buffer) => {
        this.write(bytes);
      },
      close: (reason: string, violation: boolean) => this.closeFromProtocol(reason, violation),
      claimIdentity: (identity: Buffer) => this.queueGateway(() => this.enter(identity)),
      relay: (destination: Buffer, message: Buffer) => this.relay(destination, message),
      leaveGateway: () => {
        // Stop deliveries now: nothing reaches the client after its -1 is processed.
        void this.reader?.stop();
        this.queueGateway(() => this.leave());
      },
    };
  }

  private closeFromProtocol(reason: string, violation: boolean): void {
    this.endReason = reason;
    if (violation) {
      this.stats.violations++;
      this.log.warn('protocol violation, closing', { client: this.client, reason });
    }
    this.closing = true;
    void this.reader?.stop();
    // Let the last reply (if any) go out, then close; never wait long for a peer that does not read.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /**
   * SO_KEEPALIVE with idle, interval and count, and TCP_USER_TIMEOUT of
   * idle + interval × count seconds, through the native helpers. Without them
   * Node can set only the idle time, which is applied, but the reply is the
   * failure: the interval and count the client asked for are not in force.
   */
  private keepalive(req: KeepaliveRequest): boolean {
    const native = nativeSockets();
    const fd = descriptorOf(this.socket);
    if (native && fd !== null) {
      const userTimeoutMs = (req.idle + req.interval * req.count) * 1000;
      return native.setKeepalive(fd, req.enable ? 1 : 0, req.idle, req.interval, req.count, userTimeoutMs) === 0;
    }
    this.socket.setKeepAlive(req.enable, req.idle * 1000);
    return !req.enable;
  }

  private relay(destination: Buffer, message: Buffer): void {
    const outcome = this.spool.outbox.send(destination, message);
    this.stats.count(outcome, message.length);
    if (outcome === 'failed') {
      this.log.warn('message could not be queued', { client: this.client, error: this.spool.outbox.lastError });
    } else if (outcome !== 'queued' && this.log.level === 'debug') {
      this.log.debug('message dropped', { client: this.client, to: displayIdentity(destination), reason: outcome });
    }
  }

  private async enter(identity: Buffer): Promise<void> {
    if (this.closing) return;
    if (this.countPeers() >= this.settings.maxPeers) {
      this.log.warn('gateway full, identity refused', { client: this.client, peers: this.settings.maxPeers });
      this.proto.identityResult(FAILED_MEMORY);
      return;
    }
    let claim: Claim | null = null;
    let reader: InboxReader | null = null;
    try {
      claim = await this.spool.ownership.prepare(identity, this.client, () => this.onClaimLost());
      reader = new InboxReader(
        claim.dir,
        {
          deliver: (message) => this.deliver(message),
          // A pass's deliveries leave in one write (writev) instead of one each.
          batchStart: () => this.socket.cork(),
          batchEnd: () => this.socket.uncork(),
          evicted: () => this.onEvicted(),
          failed: (err) => this.onInboxFailed(err),
        },
        { maxFiles: this.settings.inboxMaxFiles, maxBytes: this.settings.inboxMaxBytes },
      );
      await reader.start();
      if (this.closing) throw new Error('connection closed while claiming');
      const outcome = await this.spool.ownership.publish(claim, this.settings.conflictPolicy);
      if (outcome === 'refused') {
        await reader.stop();
        await this.spool.ownership.release(claim);
        this.log.info('identity in use, refused', { client: this.client, identity: displayIdentity(identity) });
        this.proto.identityResult(FAILED_ACCESS_DENIED);
        return;
      }
    } catch (err) {
      await reader?.stop();
      if (claim) await this.spool.ownership.release(claim).catch(() => {});
      if (this.closing) return;
      this.log.error('identity claim failed', { client: this.client, error: (err as Error).message });
      this.proto.identityResult(FAILED_INTERNAL);
      return;
    }
    if (this.closing) {
      await reader.stop();
      await this.spool.ownership.release(claim);
      return;
    }
    this.claim = claim;
    this.reader = reader;
    this.stats.peers = 1;
    this.log.info('entered gateway', { client: this.client, identity: displayIdentity(identity), inbox: claim.name });
    this.proto.identityResult(OK);
    reader.enable();
    this.watchSlowReceiver();
  }

  /**
   * With `slowReceiverTimeoutMs` set, a client whose inbox stays full that long is
   * disconnected (its messages were being dropped meanwhile anyway).
   */
  private watchSlowReceiver(): void {
    const limit = this.settings.slowReceiverTimeoutMs;
    if (limit <= 0 || this.slowTimer) return;
    this.slowTimer = setInterval(() => {
      const since = this.reader?.fullSince ?? null;
      if (since !== null && Date.now() - since >= limit) {
        this.stats.slowReceivers++;
        this.log.warn('slow receiver: inbox full too long, disconnecting', { client: this.client, ms: Date.now() - since });
        this.abort('slow receiver');
      }
    }, Math.min(1000, limit));
    this.slowTimer.unref();
  }

  private async leave(): Promise<void> {
    const claim = this.claim;
    const reader = this.reader;
    this.claim = null;
    this.reader = null;
    if (!claim) return;
    this.stats.peers = 0;
    await reader?.stop();
    const undelivered = await this.spool.ownership.release(claim);
    this.stats.dropped['peer-left'] += undelivered;
    this.log.info('left gateway', { client: this.client, identity: displayIdentity(claim.identity), undelivered });
  }

  private deliver(message: Buffer): boolean {
    const bytes = this.proto.encodeDelivery(message);
    if (bytes === null) return false;
    this.stats.delivered++;
    this.stats.deliveredBytes += message.length;
    return this.write(bytes);
  }

  private onEvicted(): void {
    const claim = this.claim;
    if (!claim) return;
    this.log.info('identity taken over by a newer session; receiving stops', {
      client: this.client,
      identity: displayIdentity(claim.identity),
    });
    // The connection stays in the gateway loop and may still send; it receives nothing more.
    this.queueGateway(() => this.dropInbox(claim));
  }

  /** Stops receiving for `claim` (if it is still this connection's) and removes its inbox. */
  private async dropInbox(claim: Claim): Promise<void> {
    if (this.claim !== claim) return;
    await this.reader?.stop();
    this.stats.dropped['peer-left'] += await this.spool.ownership.release(claim);
  }

  private onInboxFailed(err: Error): void {
    if (this.closing || !this.claim) return;
    this.log.error('inbox failed; receiving stops', { client: this.client, error: err.message });
    const claim = this.claim;
    this.queueGateway(() => this.dropInbox(claim));
  }

  private onClaimLost(): void {
    this.log.warn('inbox lock lost', { client: this.client });
  }

  private countPeers(): number {
    return identityLinks(this.spool.layout).length;
  }
}
