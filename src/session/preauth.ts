/**
 * The limits on connections that have not finished the connection sequence:
 * at most `preauthPerAddress` of them per source address across all session
 * processes (the count lives in the spool, spool/preauth.ts; one more is closed
 * at once and counted), and `keyExchangeTimeoutMs` for the version and key steps,
 * shorter than the whole sequence's `handshakeTimeoutMs`. A client that sends
 * nothing therefore holds a process for a few seconds, and one address cannot
 * hold more than its share of them.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger';
import type { ProcessCounters } from '../spool/process-counters';
import type { PreauthRegistry } from '../spool/preauth';

export interface PreauthLimits {
  preauthPerAddress: number;
  keyExchangeTimeoutMs: number;
}

/** What the guard needs of a connection: where the sequence is, and a way to end it. */
export interface Handshaking {
  /** True while the version or key step is not done. */
  readonly beforeHash: boolean;
  shutdown(reason: string): void;
}

/** One admitted connection's place in the count; released once, when authenticated or ended. */
export class PreauthTicket {
  private held = true;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly registry: PreauthRegistry,
    private readonly address: string,
    private readonly pid: number,
  ) {}

  /** Ends `connection` if the version and key steps are not done within `ms`. */
  guard(connection: Handshaking, ms: number): void {
    this.timer = setTimeout(() => {
      if (connection.beforeHash) connection.shutdown('key exchange timed out');
    }, ms);
    this.timer.unref();
  }

  release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.held) return;
    this.held = false;
    this.registry.leave(this.address, this.pid);
  }
}

export class PreauthGate {
  constructor(
    private readonly registry: PreauthRegistry,
    private readonly limits: PreauthLimits,
    private readonly pid: number,
    private readonly stats: ProcessCounters,
    private readonly log: Logger,
  ) {}

  /** A ticket for `socket`, or null: the address is at its cap, the socket is closed and counted. */
  admit(socket: Socket): PreauthTicket | null {
    const address = socket.remoteAddress ?? '?';
    let admitted: boolean;
    try {
      admitted = this.registry.enter(address, this.pid, this.limits.preauthPerAddress);
    } catch (err) {
      // The spool cannot take the entry: serve the client rather than refuse everyone.
      this.log.warn('pre-authentication count not recorded', { error: (err as Error).message });
      return new PreauthTicket(this.registry, address, this.pid);
    }
    if (admitted) return new PreauthTicket(this.registry, address, this.pid);
    this.stats.preauthRefused++;
    this.log.debug('too many unauthenticated connections from one address; closed', { address });
    socket.destroy();
    return null;
  }

  get keyExchangeTimeoutMs(): number {
    return this.limits.keyExchangeTimeoutMs;
  }
}
