/**
 * `--quick-ack`: a client that acknowledges every segment at once. Linux leaves
 * quick-ACK mode by itself after a while, so the option is re-armed once the
 * connection is up and after every read, before the next segment arrives. It
 * exists for servers whose replies leave in two writes without TCP_NODELAY:
 * against an ordinary client those replies wait for Nagle and the delayed ACK,
 * and the figure measures the timers instead of the server.
 */
import type { Socket } from 'node:net';
import { descriptorOf, nativeSockets } from '../native';

/** Prepares sockets for quick ACKs; null when the native helper (TCP_QUICKACK) is not built here. */
export function quickAckArmer(): ((socket: Socket) => void) | null {
  const native = nativeSockets();
  if (!native) return null;
  return (socket) => {
    const arm = (): void => {
      const fd = descriptorOf(socket);
      // A socket that is closing has no descriptor left: nothing to acknowledge.
      if (fd !== null) native.setQuickAck(fd, 1);
    };
    socket.once('connect', arm);
    socket.prependListener('data', arm);
  };
}

/** The report's warning when quick ACKs were asked for and cannot be had: the run goes on with ordinary ACKs. */
export const QUICK_ACK_UNAVAILABLE =
  '--quick-ack needs the native socket helper (build/Release/tfgw_native.node), which is not built here: measured with ordinary ACKs';
