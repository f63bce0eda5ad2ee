/**
 * What a session process does with its connections. In socket mode it serves
 * the one it was handed and ends; in accept mode it accepts one connection at a
 * time from the shared listening sockets, serves it, and accepts the next, until
 * it has served `recycleAfter` or is told to stop or retire. Either way it ends
 * through the lifecycle's `finish(0)`.
 */
import type { Socket } from 'node:net';
import type { Lifecycle, Served } from './lifecycle';
import type { Handshaking, PreauthGate } from './preauth';
import type { RunPublisher } from './run-publisher';

/** What the loop needs of a connection (session/connection.ts). */
export interface ServedConnection extends Served, Handshaking {
  readonly client: string;
  readonly done: Promise<unknown>;
  onAuthenticated: () => void;
  start(): void;
}

export interface AcceptLoopOptions {
  lifecycle: Lifecycle;
  publisher: RunPublisher;
  /** Makes the connection for `socket` under the session key `procKey`. */
  connect: (socket: Socket, procKey: string) => ServedConnection;
  pid: number;
  /** The pre-authentication limits; absent: none. */
  preauth?: PreauthGate;
  now?: () => number;
}

/**
 * The session key of the `n`th connection of process `pid`: unique per process
 * and start second, `-n` from the second connection on.
 */
export function processKey(pid: number, n: number, nowMs: number): string {
  return `/${Math.floor(nowMs / 1000)}${pid}${n > 1 ? `-${n}` : ''}`;
}

/**
 * Serves one connection to its end, publishing 'handshaking' until the
 * connection sequence completes and 'busy' after. A connection over its
 * address's pre-authentication cap is closed at once and not counted.
 */
export async function serveOne(options: AcceptLoopOptions, socket: Socket): Promise<void> {
  const { lifecycle, publisher, preauth } = options;
  const ticket = preauth ? preauth.admit(socket) : undefined;
  if (ticket === null) return;
  const n = publisher.countConnection();
  const connection = options.connect(socket, processKey(options.pid, n, (options.now ?? Date.now)()));
  lifecycle.serving = connection;
  publisher.publish(preauth ? 'handshaking' : 'busy', connection.client);
  connection.onAuthenticated = () => {
    ticket?.release();
    publisher.publish('busy', connection.client);
  };
  if (preauth) ticket?.guard(connection, preauth.keyExchangeTimeoutMs);
  connection.start();
  await connection.done;
  ticket?.release();
  lifecycle.serving = null;
}

/** Socket mode: the inherited connection, then exit. */
export async function serveHandedOver(options: AcceptLoopOptions, socket: Socket): Promise<void> {
  await serveOne(options, socket);
  options.lifecycle.finish(0);
}

/** Accept mode: connection after connection, waiting as 'idle' in between. */
export async function acceptLoop(options: AcceptLoopOptions, accept: () => Promise<Socket>, recycleAfter: number): Promise<void> {
  const { lifecycle, publisher } = options;
  publisher.publish('idle', null);
  while (lifecycle.accepting && !lifecycle.finished && publisher.connections < recycleAfter) {
    const socket = await accept();
    await serveOne(options, socket);
    if (lifecycle.accepting) publisher.publish('idle', null);
  }
  lifecycle.finish(0);
}
