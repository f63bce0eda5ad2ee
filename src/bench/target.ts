/**
 * The gateway server under test, as every bench process needs it: where it
 * listens and what the connection sequence asks for. It is plain data so the
 * coordinator can hand it to its worker processes.
 */
import { type KeyObject, createPublicKey } from 'node:crypto';
import type { Socket } from 'node:net';
import { type TfClient, connect } from '../client';
import { quickAckArmer } from './quick-ack';

export interface Target {
  host: string;
  port: number;
  /**
   * Where the receiving side connects (the ponger, the receivers): another server
   * sharing the spool, on another host. Absent: `host`.
   */
  peerHost?: string;
  /** Protocol version string, e.g. `0.0`. */
  version: string;
  /** The server's public key, PEM. */
  publicKey: string;
  hash: string;
  /** Limit for TCP connect and connection sequence, ms. */
  timeoutMs: number;
  /** Re-arm TCP_QUICKACK on every connection after each read (quick-ack.ts). */
  quickAck?: boolean;
}

/** Opens connections to a target, parsing its public key once. */
export class Connector {
  private readonly key: KeyObject;
  private readonly onSocket: ((socket: Socket) => void) | undefined;

  constructor(readonly target: Target) {
    this.key = createPublicKey(target.publicKey);
    this.onSocket = target.quickAck ? (quickAckArmer() ?? undefined) : undefined;
  }

  /** TCP connect and the full connection sequence, up to the hash's OK. */
  connect(): Promise<TfClient> {
    return this.connectTo(this.target.host);
  }

  /** The same, for the receiving side: to `peerHost` when one is given. */
  connectReceiver(): Promise<TfClient> {
    return this.connectTo(this.target.peerHost ?? this.target.host);
  }

  private connectTo(host: string): Promise<TfClient> {
    const t = this.target;
    return connect({ host, port: t.port, version: t.version, publicKey: this.key, hash: t.hash, timeoutMs: t.timeoutMs, onSocket: this.onSocket });
  }
}

/** `host:port` as printed, with brackets around IPv6 addresses. */
export function describeTarget(t: Target): string {
  const at = (host: string) => (host.includes(':') ? `[${host}]:${t.port}` : `${host}:${t.port}`);
  return t.peerHost ? `${at(t.host)} -> ${at(t.peerHost)}` : at(t.host);
}
