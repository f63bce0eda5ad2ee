/**
 * The whole-process suites' shared setup, so each suite states only what it
 * checks: a real `tfgw serve` for the enclosing describe block, peers entered
 * through it, and a raw client walked into the gateway step by step.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { GatewayPeer, GatewayPeerOptions } from '../../src/client';
import { RawClient } from '../helpers/raw-client';
import { type ServerHandle, startServer } from '../helpers/tfgw-server';

/**
 * Starts a server with `args` (and `env`) before the enclosing describe block's
 * tests and stops it after them. The handle is empty until the server runs:
 * use it inside hooks and tests. A `launcher` runs the server (see startServer). A suite's own `before` hooks registered after
 * this call see the server running.
 */
export function serverForSuite(args: string[] = [], env: NodeJS.ProcessEnv = {}, launcher: string[] = []): ServerHandle {
  const server = {} as ServerHandle;
  before(async () => {
    Object.assign(server, await startServer(args, env, launcher));
  });
  after(async () => {
    await server.stop();
  });
  return server;
}

/** A new connection to `server`, entered into the gateway as `identity`. */
export async function peerOf(server: ServerHandle, identity: string | Buffer, options?: GatewayPeerOptions): Promise<GatewayPeer> {
  return (await server.connect()).enterGateway(identity, options);
}

/** A raw client that made the connection sequence and entered the gateway as `identity`, each step answered OK. */
export async function rawInGateway(server: ServerHandle, identity: string): Promise<RawClient> {
  const raw = await RawClient.open(server.port);
  await raw.handshake(server.publicKey, server.hash);
  raw.send('XS_GATEWAY');
  assert.equal(await raw.text(), 'OK');
  raw.send(identity);
  assert.equal(await raw.text(), 'OK');
  return raw;
}
