/**
 * One client connection inside a session process: the socket on one side, the
 * server session (the protocol, no I/O) in the middle, the gateway mailbox on the
 * other. Going in, the socket's bytes go to the server session, whose gateway
 * messages go to the outbox (see relay.ts); going out, the mailbox's messages are
 * enciphered by the server session and written here. The two directions are
 * independent: deliveries are written as the inbox yields them, paused only by
 * the socket's own backlog, while incoming frames keep being parsed and relayed.
 */
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger';
import { OK } from '../protocol/replies';
import { ServerSession, type SessionHost } from '../protocol/server-session';
import { decryptSessionKey } from '../settings/keys';
import type { SessionSettings } from '../settings/session-settings';
import type { Spool } from '../spool';
import { displayIdentity } from '../spool/identity-name';
import { type Mailbox, type MailboxEvents, Membership } from '../spool/membership';
import type { ProcessCounters } from '../spool/process-counters';
import { describeFallback } from '../spool/watch';
import { applyKeepalive } from './keepalive';
import { ReadThrottle } from './read-throttle';
import { refusalReply } from './refusal';
import { OutboxRelay } from './relay';
import { watchSlowReceiver } from './slow-receiver';
import { tierUpAtDefault, tierUpSooner } from './tier-up';

/** Deliveries stop being read from the inbox while this much is waiting in the socket. */
const DELIVERY_BACKLOG = 1024 * 1024;
/**
 * What a closing connection reads before it stops reading: enough to see a client's
 * close behind a little trailing data, little enough that a client cannot make a
 * session it was refused by read on for the close timer's two seconds.
 */
const DISCARD_AFTER_CLOSE = 64 * 1024;

/**
 * The reason the ending signal carries. Without one, abort() makes a DOMException,
 * stack trace and all, on every connection's close; nothing reads the reason.
 */
const ENDING = 'connection ending';

/** Wall-clock nanoseconds minus the monotonic clock, taken once: wall time with sub-millisecond steps. */
const CLOCK_BASE_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export class Connection {
  private readonly proto: ServerSession;
  private readonly outbox: OutboxRelay;
  readonly client: string;
  private readonly membership: Membership;
  private readonly input: ReadThrottle;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private mailbox: Mailbox | null = null;
  /** Gateway joins and leaves run one after another. */
  private gatewayOps: Promise<void> = Promise.resolve();
  /** Aborted once the connection is ending; a join under way then undoes itself. */
  private readonly ending = new AbortController();
  private slowTimer: NodeJS.Timeout | null = null;
  private endReason = 'client closed the connection';
  /** Bytes read after the close began, which nothing parses. */
  private discarded = 0;
  readonly done: Promise<string>;
  /** Called once the connection sequence completes (the pre-authentication count, the run record). */
  onAuthenticated: () => void = () => {};
  private finish!: (reason: string) => void;

  constructor(
    private readonly socket: Socket,
    private readonly settings: SessionSettings,
    private readonly privateKey: KeyObject,
    spool: Spool,
    private readonly log: Logger,
    readonly stats: ProcessCounters,
    private readonly procKey: string,
  ) {
    this.client = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.outbox = new OutboxRelay(spool.outbox, stats, log, this.client);
    this.membership = new Membership(spool.layout, spool.ownership, {
      maxPeers: settings.maxPeers,
      conflictPolicy: settings.conflictPolicy,
      inboxLimits: { maxFiles: settings.inboxMaxFiles, maxBytes: settings.inboxMaxBytes },
      reuseFiles: spool.reusesFiles,
      watch: { mode: settings.watchMode, pollIntervalMs: settings.pollIntervalMs, alsoPoll: spool.onNetworkFs, onFallback: (reason) => {
        if (stats.watchFallbacks++ === 0) log.warn('no inotify watch left: polling the inbox', describeFallback(reason));
      } },
    });
    this.input = new ReadThrottle(
      socket,
      settings.rateLimitBytes,
      () => stats.rateLimited++,
      () => this.closing,
    );
    this.proto = new ServerSession(
      {
        version: settings.proto,
        hash: settings.hash,
        acceptDegenerateKeys: settings.acceptDegenerateKeys,
        handshakeFrameLimit: settings.handshakeFrameLimit,
      },
      this.host(),
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
      this.input.drained();
      this.mailbox?.resume();
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

  /** True while the version or key step is not done (see session/preauth.ts). */
  get beforeHash(): boolean {
    return this.proto.phase === 'version' || this.proto.phase === 'key';
  }

  get inGateway(): boolean {
    return this.mailbox !== null;
  }

  /** Messages waiting in this connection's inbox, as last seen. */
  get inboxDepth(): number {
    return this.mailbox?.queued ?? 0;
  }

  private get closing(): boolean {
    return this.ending.signal.aborted;
  }

  private onData(chunk: Buffer): void {
    this.stats.bytesIn += chunk.length;
    if (this.closing) {
      // Read on only to see the client's close; a client that keeps sending (the body of a
      // 2 GiB frame) is not read further, and the close timer ends the connection.
      this.discarded += chunk.length;
      if (this.discarded > DISCARD_AFTER_CLOSE) this.socket.pause();
      return;
    }
    this.proto.receive(chunk);
    if (this.handshakeTimer && this.proto.authenticated) {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = null;
      this.stats.handshakesOk++;
      this.onAuthenticated();
    }
    this.input.received(chunk.length);
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
    this.ending.abort(ENDING);
    this.proto.abort();
    this.socket.destroy();
  }

  private async closed(): Promise<void> {
    this.outbox.flush();
    this.ending.abort(ENDING);
    if (this.slowTimer) clearInterval(this.slowTimer);
    this.proto.abort();
    if (this.handshakeTimer) {
      clearTimeout(this.handshakeTimer);
      this.stats.handshakesFailed++;
    }
    this.leaveGateway();
    await this.gatewayOps;
    this.log.info('session ended', { client: this.client, reason: this.endReason });
    this.finish(this.endReason);
  }

  private queueGateway(op: () => Promise<void>): void {
    this.gatewayOps = this.gatewayOps.then(op).catch((err: Error) => {
      this.log.error('gateway operation failed', { client: this.client, error: err.message });
    });
  }

  private host(): SessionHost {
    return {
      nowNs: () => CLOCK_BASE_NS + process.hrtime.bigint(),
      uuid: () => randomUUID(),
      procKey: this.procKey,
      keepalive: (req) => applyKeepalive(this.socket, req),
      decryptSessionKey: (blob) => decryptSessionKey(this.privateKey, blob),
      write: (bytes) => {
        this.write(bytes);
      },
      close: (reason, violation) => this.closeFromProtocol(reason, violation),
      claimIdentity: (identity) => {
        // The protocol parses nothing until the claim is answered: stop reading too.
        this.input.hold();
        this.queueGateway(() => this.join(identity).finally(() => this.input.release()));
      },
      relay: this.outbox.relay,
      leaveGateway: () => {
        // What the client sent before its -1 is queued before the identity is given up.
        this.outbox.flush();
        return this.leaveGateway();
      },
    };
  }

  private closeFromProtocol(reason: string, violation: boolean): void {
    this.endReason = reason;
    if (violation) {
      this.stats.violations++;
      this.log.warn('protocol violation, closing', { client: this.client, reason });
    }
    this.ending.abort(ENDING);
    this.leaveGateway();
    // Let the last reply (if any) go out, then close; never wait long for a peer that does not read.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private async join(identity: Buffer): Promise<void> {
    if (this.closing) return;
    const result = await this.membership.join(identity, this.client, this.mailboxEvents(), this.ending.signal);
    if ('refused' in result) {
      const { maxPeers } = this.settings;
      const reply = refusalReply(this.log, { ...result, identity, client: this.client, maxPeers, ending: this.closing });
      if (reply !== null) this.proto.identityResult(reply);
      return;
    }
    const mailbox = result.mailbox;
    this.mailbox = mailbox;
    this.stats.peers = 1;
    this.log.info('entered gateway', { client: this.client, identity: displayIdentity(identity), inbox: mailbox.claim.name });
    this.proto.identityResult(OK);
    tierUpSooner();
    mailbox.deliverTo({
      deliver: (message) => this.deliver(message),
      // A pass's deliveries leave in one write (writev) instead of one each.
      batchStart: () => this.socket.cork(),
      batchEnd: () => this.socket.uncork(),
    });
    this.slowTimer ??= watchSlowReceiver(
      this.settings.slowReceiverTimeoutMs,
      () => this.mailbox?.fullSince ?? null,
      (ms) => this.tooSlow(ms),
    );
  }

  /**
   * Leaves the gateway (the client's -1, or the connection ending): deliveries stop
   * at once, the identity and its inbox are given up in turn with other joins and leaves.
   */
  private leaveGateway(): boolean {
    const mailbox = this.mailbox;
    this.mailbox = null;
    if (!mailbox) return false;
    tierUpAtDefault();
    const left = mailbox.leave();
    // As for a claim: nothing is parsed until the identity is given up, so nothing is read.
    this.input.hold();
    this.queueGateway(async () => {
      this.stats.peers = 0;
      const undelivered = await left.finally(() => {
        this.proto.leftGateway();
        this.input.release();
      });
      this.stats.dropped['peer-left'] += undelivered;
      this.log.info('left gateway', { client: this.client, identity: displayIdentity(mailbox.identity), undelivered });
    });
    // The client's next frames wait until the identity is given up (ServerSession.leftGateway).
    return true;
  }

  private deliver(message: Buffer): boolean {
    const bytes = this.proto.encodeDelivery(message);
    if (bytes === null) return false;
    this.stats.delivered++;
    this.stats.deliveredBytes += message.length;
    return this.write(bytes);
  }

  private tooSlow(fullForMs: number): void {
    this.stats.slowReceivers++;
    this.log.warn('slow receiver: inbox full too long, disconnecting', { client: this.client, ms: fullForMs });
    this.abort('slow receiver');
  }

  /** Reports from the mailbox: it stopped receiving on its own; the connection stays and may still send. */
  private mailboxEvents(): MailboxEvents {
    const countDropped = (left: Promise<number>) =>
      this.queueGateway(async () => {
        this.stats.dropped['peer-left'] += await left;
      });
    return {
      evicted: (left) => {
        if (this.mailbox) {
          this.log.info('identity taken over by a newer session; receiving stops', {
            client: this.client,
            identity: displayIdentity(this.mailbox.identity),
          });
        }
        countDropped(left);
      },
      failed: (error, left) => {
        if (!this.closing && this.mailbox) {
          this.log.error('inbox failed; receiving stops', { client: this.client, error: error.message });
        }
        countDropped(left);
      },
      lockLost: () => this.log.warn('inbox lock lost', { client: this.client }),
      entries: {
        foreign: (name, kind) => this.log.warn('removed a foreign inbox entry', { client: this.client, name, kind }),
        dropped: (reason, name, size, messages = 1) => {
          this.stats.dropped[reason] += messages;
          // The queue at its bound: the sender's own drop, counted alike, not worth a warning each.
          if (reason === 'inbox-full') return this.log.debug('dropped an arrival past the inbox bound', { client: this.client, name, size });
          const what = reason === 'too-large' ? 'too large to be a message' : 'that is not a valid batch';
          this.log.warn(`dropped an inbox file ${what}`, { client: this.client, name, size });
        },
        vanished: (name) => this.log.debug('inbox entry vanished before it was read', { client: this.client, name }),
      },
    };
  }
}
