/**
 * The KEEPALIVE command applied to a client's socket. It is the one command that
 * reaches below Node's socket API, so it has a file of its own.
 */
import type { Socket } from 'node:net';
import type { KeepaliveRequest } from '../protocol/commands';
import { descriptorOf, nativeSockets } from '../native';

/**
 * SO_KEEPALIVE with idle, interval and count, and TCP_USER_TIMEOUT of
 * idle + interval × count seconds, through the native helpers. Without them
 * Node can set only the idle time, which is applied, but the reply is the
 * failure: the interval and count the client asked for are not in force.
 */
export function applyKeepalive(socket: Socket, req: KeepaliveRequest): boolean {
  const native = nativeSockets();
  const fd = descriptorOf(socket);
  if (native && fd !== null) {
    const userTimeoutMs = (req.idle + req.interval * req.count) * 1000;
    return native.setKeepalive(fd, req.enable ? 1 : 0, req.idle, req.interval, req.count, userTimeoutMs) === 0;
  }
  socket.setKeepAlive(req.enable, req.idle * 1000);
  return !req.enable;
}
