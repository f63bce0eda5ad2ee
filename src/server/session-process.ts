/**
 * Entry point of a session process. The listener starts one per connection and
 * hands it the connected socket as inherited file descriptor 3, unread. The
 * process serves that one client and exits; its only channel to other session
 * processes is the spool.
 */
import { Socket } from 'node:net';
import { Spool } from '../spool';
import { Connection } from './connection';
import { loadPrivateKey } from './keys';
import { Logger } from './logger';
import type { SessionSettings } from './session-settings';
import { SessionStats } from './session-stats';

const SOCKET_FD = 3;

function main(): void {
  const settings = JSON.parse(process.argv[2] ?? '{}') as SessionSettings;
  const log = new Logger(settings.logLevel, settings.logFormat, 'session');
  const spool = new Spool({ root: settings.spool, staleMs: settings.staleMs });
  const privateKey = loadPrivateKey(settings.privateKeyFile);
  const socket = new Socket({ fd: SOCKET_FD, readable: true, writable: true });
  const stats = new SessionStats();
  const procKey = `/${Math.floor(Date.now() / 1000)}${process.pid}`;
  const connection = new Connection(socket, settings, privateKey, spool, log, stats, procKey);

  let exiting = false;
  const finish = (code: number) => {
    if (exiting) return;
    exiting = true;
    spool.writer.dispose();
    process.exit(code);
  };
  process.on('SIGTERM', () => connection.shutdown('server shutting down'));
  process.on('SIGINT', () => connection.shutdown('server shutting down'));
  process.on('uncaughtException', (err) => {
    log.error('session crashed', { error: err.stack ?? err.message });
    // The listener reaps this process and clears its inbox.
    finish(70);
  });
  connection.done.then(() => finish(0));
  connection.start();
}

main();
