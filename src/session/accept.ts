/**
 * Accepting exactly one connection from listening sockets shared with other
 * processes. Each round listens on private copies of the inherited descriptors
 * and closes them as soon as the first connection arrives (synchronously, inside
 * the 'connection' event, so libuv's accept loop stops after that one); the other
 * waiting processes take the next connections.
 */
import { type Server, type Socket, createServer } from 'node:net';
import type { NativeSockets } from '../native';

export function acceptOne(native: NativeSockets, listenFds: number[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const servers: Server[] = [];
    let done = false;
    const closeAll = () => {
      for (const s of servers) s.close();
    };
    for (const fd of listenFds) {
      const copy = native.dupCloexec(fd);
      if (copy < 0) {
        closeAll();
        reject(new Error(`dup of listening descriptor ${fd} failed: errno ${-copy}`));
        return;
      }
      const server = createServer({ pauseOnConnect: true }, (socket) => {
        if (done) {
          // Cannot happen after closeAll(); kept as a guard against a second accept.
          socket.destroy();
          return;
        }
        done = true;
        closeAll();
        resolve(socket);
      });
      server.on('error', (err) => {
        if (done) return;
        done = true;
        closeAll();
        reject(err);
      });
      server.listen({ fd: copy });
      servers.push(server);
    }
  });
}
