import type { CipherEngine } from '../protocol/cipher/stream';

/** Where the owning client hands a gateway peer what arrives for it. */
export interface GatewayReceiver {
  /** One delivered message. */
  message(payload: Buffer): void;
  /** The gateway session is over: `left` after a completed leave, otherwise the connection closed. */
  end(error: Error | null, left: boolean): void;
}

/** What a `GatewayPeer` needs from the client that owns the connection. */
export interface GatewayLink {
  /** The transmit cipher; encipher and write in the same synchronous step. */
  readonly tx: CipherEngine;
  /** Writes enciphered bytes; resolves once the socket has accepted them. */
  write(bytes: Buffer): Promise<void>;
  /** Runs the leave sequence; resolves when the client is back in command mode. */
  leave(): Promise<void>;
  /** Registers the receiver; called once, by the peer's constructor. */
  bind(receiver: GatewayReceiver): void;
}
