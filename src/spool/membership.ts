/**
 * Being in the gateway, seen from one session: joining under an identity gives a
 * mailbox (a claimed inbox, published as the identity, with its reader), or a
 * reason why not. Everything that can go wrong while joining is undone in one
 * place, and a mailbox has one way out, `leave()`, whoever asks for it: the
 * client's -1, the connection closing, another session taking the identity over,
 * or the inbox failing.
 */
import type { SpoolLayout } from './layout';
import { type ForeignKind, type InboxLimits, InboxReader, type InboxSink } from './inbox';
import type { Claim, ConflictPolicy, Ownership } from './ownership';
import { withIdentityLock } from './identity-lock';
import { identityLinks } from './view';
import type { WatchOptions } from './watch';

export interface MembershipOptions {
  /** Identities the gateway holds at most (all sessions sharing the spool). */
  maxPeers: number;
  /** What joining under an identity held by a live session does. */
  conflictPolicy: ConflictPolicy;
  inboxLimits: InboxLimits;
  /** How the inbox is watched (watch.ts); a watch that cannot be had fails the join. */
  watch?: WatchOptions;
  /** Files read are emptied and kept for the next writer (spool/blanks.ts); not on a network file system. */
  reuseFiles?: boolean;
}

/** Where a mailbox hands its messages, once delivery is enabled. */
export type DeliverySink = Pick<InboxSink, 'deliver' | 'batchStart' | 'batchEnd'>;

/**
 * What happens to a mailbox on its own. Each report comes with the mailbox's
 * leave already under way: `left` resolves with the messages it dropped undelivered.
 */
export interface MailboxEvents {
  /** Another session took the identity over; this mailbox receives nothing more. */
  evicted(left: Promise<number>): void;
  /** The inbox vanished or could not be read. */
  failed(error: Error, left: Promise<number>): void;
  /** The inbox's lock could not be kept fresh. */
  lockLost(): void;
  /** What the reader removed or skipped undelivered (docs/SPOOL.md §8.1), to log and count. */
  entries?: Pick<InboxSink, 'foreign' | 'dropped' | 'vanished'>;
}

/** Why joining did not give a mailbox; `abandoned`: the caller gave up meanwhile. */
export type Refusal = 'full' | 'in-use' | 'failed' | 'abandoned';

export type JoinResult = { mailbox: Mailbox } | { refused: Refusal; error?: Error };

export class Membership {
  constructor(
    private readonly layout: SpoolLayout,
    private readonly ownership: Ownership,
    private readonly options: MembershipOptions,
  ) {}

  /** Identities in the gateway now. */
  peers(): number {
    return identityLinks(this.layout).length;
  }

  /** Publishes `claim` unless the gateway is full (counted under GATEWAY_LOCK) or the identity is refused by policy. */
  private publish(claim: Claim): Promise<'published' | 'full' | 'in-use'> {
    return withIdentityLock(this.layout, GATEWAY_LOCK, async () => {
      if (this.peers() >= this.options.maxPeers) return 'full';
      return (await this.ownership.publish(claim, this.options.conflictPolicy)) === 'refused' ? 'in-use' : 'published';
    });
  }

  /**
   * Joins under `identity` for `client` (`host:port`, for the owner record). An
   * abort of `signal` before the join completes undoes it (`abandoned`).
   */
  async join(identity: Buffer, client: string, events: MailboxEvents, signal?: AbortSignal): Promise<JoinResult> {
    // Cheap early answer; the count that decides is taken again under the gateway lock (publish).
    if (this.peers() >= this.options.maxPeers) return { refused: 'full' };
    let mailbox: Mailbox | null = null;
    let joined = false;
    try {
      const claim = await this.ownership.prepare(identity, client, () => events.lockLost());
      mailbox = new Mailbox(claim, this.ownership, this.options.inboxLimits, events, this.options.watch, this.options.reuseFiles);
      await mailbox.open();
      if (signal?.aborted) return { refused: 'abandoned' };
      const published = await this.publish(claim);
      if (published !== 'published') return { refused: published };
      if (signal?.aborted) return { refused: 'abandoned' };
      if (mailbox.hasLeft) throw new Error('inbox failed while joining');
      joined = true;
      return { mailbox };
    } catch (err) {
      return { refused: 'failed', error: err as Error };
    } finally {
      // The one rollback: whatever was claimed, watched or published is given up.
      if (!joined) await mailbox?.leave().catch(() => 0);
    }
  }
}

/**
 * The lock taken around counting and publishing (an identity lock under a name that
 * no identity has: none starts with a dot). Under it the count of links and the new
 * link are one step for every session of the spool, so concurrent claims cannot
 * overshoot `maxPeers`: each count sees every link published before it.
 */
export const GATEWAY_LOCK = '.gateway';

/** A session's place in the gateway: its claimed inbox and the reader draining it. */
export class Mailbox {
  private readonly reader: InboxReader;
  private sink: DeliverySink | null = null;
  private left: Promise<number> | null = null;

  constructor(
    readonly claim: Claim,
    private readonly ownership: Ownership,
    limits: InboxLimits,
    private readonly events: MailboxEvents,
    watchOptions?: WatchOptions,
    reuseFiles = false,
  ) {
    this.reader = new InboxReader(
      claim.dir,
      {
        deliver: (message) => this.sink?.deliver(message) ?? false,
        batchStart: () => this.sink?.batchStart?.(),
        batchEnd: () => this.sink?.batchEnd?.(),
        evicted: () => {
          if (!this.left) this.events.evicted(this.leave());
        },
        failed: (error) => {
          if (!this.left) this.events.failed(error, this.leave());
        },
        foreign: (name: string, kind: ForeignKind) => this.events.entries?.foreign?.(name, kind),
        dropped: (reason, name, size) => this.events.entries?.dropped?.(reason, name, size),
        vanished: (name) => this.events.entries?.vanished?.(name),
      },
      limits,
      watchOptions,
      reuseFiles,
    );
  }

  get identity(): Buffer {
    return this.claim.identity;
  }

  /** True once `leave` has been called (by anyone). */
  get hasLeft(): boolean {
    return this.left !== null;
  }

  /** Messages waiting in the inbox, as last seen. */
  get queued(): number {
    return this.reader.queued.files;
  }

  /** Since when (ms since the epoch) the inbox has been full, or null while it is not. */
  get fullSince(): number | null {
    return this.reader.fullSince;
  }

  /** Starts watching the inbox (nothing is delivered yet). */
  open(): Promise<void> {
    return this.reader.start();
  }

  /** Starts handing messages to `sink`, those already waiting first. */
  deliverTo(sink: DeliverySink): void {
    if (this.left) return;
    this.sink = sink;
    this.reader.enable();
  }

  /** The sink has room again after refusing a message. */
  resume(): void {
    this.reader.resume();
  }

  /**
   * Stops delivering at once (nothing reaches the sink after this call), then gives
   * the identity up and removes the inbox. Resolves with the messages it held
   * undelivered; later calls wait for the first and resolve with 0, so that adding
   * up what every call returns counts each message once.
   */
  leave(): Promise<number> {
    if (this.left) return this.left.then(
      () => 0,
      () => 0,
    );
    this.sink = null;
    this.left = this.reader.stop().then(() => this.ownership.release(this.claim));
    return this.left;
  }
}
