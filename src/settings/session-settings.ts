/** What a session process needs to know, handed to it on its command line at start. */
import type { ServerConfig } from './config';

export type SessionSettings = Pick<
  ServerConfig,
  | 'proto'
  | 'hash'
  | 'spool'
  | 'conflictPolicy'
  | 'handshakeTimeoutMs'
  | 'handshakeFrameLimit'
  | 'idleTimeoutMs'
  | 'acceptDegenerateKeys'
  | 'staleMs'
  | 'inboxMaxFiles'
  | 'inboxMaxBytes'
  | 'slowReceiverTimeoutMs'
  | 'rateLimitBytes'
  | 'maxPeers'
  | 'recycleAfter'
  | 'shutdownDrainMs'
  | 'logLevel'
  | 'logFormat'
> & { privateKeyFile: string };

export function sessionSettings(config: ServerConfig, privateKeyFile: string, hash: string): SessionSettings {
  return {
    proto: config.proto,
    hash,
    spool: config.spool,
    conflictPolicy: config.conflictPolicy,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    handshakeFrameLimit: config.handshakeFrameLimit,
    idleTimeoutMs: config.idleTimeoutMs,
    acceptDegenerateKeys: config.acceptDegenerateKeys,
    staleMs: config.staleMs,
    inboxMaxFiles: config.inboxMaxFiles,
    inboxMaxBytes: config.inboxMaxBytes,
    slowReceiverTimeoutMs: config.slowReceiverTimeoutMs,
    rateLimitBytes: config.rateLimitBytes,
    maxPeers: config.maxPeers,
    recycleAfter: config.recycleAfter,
    shutdownDrainMs: config.shutdownDrainMs,
    logLevel: config.logLevel,
    logFormat: config.logFormat,
    privateKeyFile,
  };
}
