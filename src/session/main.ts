/**
 * Entry point of a session process. It serves one client connection at a time and
 * talks to other session processes only through the spool. It gets its
 * connections in one of two ways:
 *  - `socket`: the listener accepted the connection and handed it over as
 *    inherited descriptor 3, unread; the process serves it and exits;
 *  - `accept`: the listener started it ahead of need with the listening sockets
 *    as descriptors 3, 4, …; it accepts one connection, serves it, and accepts the
 *    next, until it has served `recycleAfter` connections or is told to stop.
 * This file only puts the pieces together: the run record (run-publisher.ts),
 * how the process ends (lifecycle.ts), the refresh tick (run-refresh.ts), the
 * memory settle check (settle.ts) and the connections (accept-loop.ts); the
 * periodic ones share the process ticker (clock/ticker.ts).
 */
import { Socket } from 'node:net';
import type { Unsubscribe } from '../clock/ticker';
import { Logger } from '../log/logger';
import { nativeSockets } from '../native';
import { loadPrivateKey } from '../settings/keys';
import { Spool } from '../spool';
import { PreauthRegistry } from '../spool/preauth';
import { ProcessCounters } from '../spool/process-counters';
import { type AcceptLoopOptions, acceptLoop, serveHandedOver } from './accept-loop';
import { acceptOne } from './accept';
import { parseSessionArgv, readSessionSettings } from './argv';
import { Connection } from './connection';
import { Lifecycle } from './lifecycle';
import { PreauthGate } from './preauth';
import { listenerPid, startRunRefresh, watchListener } from './run-refresh';
import { RUN_RECORD_COALESCE_MS, RunPublisher } from './run-publisher';
import { settleWhenQuiet } from './settle';
import { warmUp } from './warm-up';

/** The first inherited descriptor: the handed-over connection, or the first listening socket. */
const FIRST_FD = 3;

async function main(): Promise<void> {
  const settings = readSessionSettings();
  const { mode, listenCount } = parseSessionArgv(process.argv);
  const log = new Logger(settings.logLevel, settings.logFormat, 'session');
  const spool = new Spool({ root: settings.spool, staleMs: settings.staleMs, node: settings.nodeId, reuseFiles: settings.reuseFiles });
  const privateKey = loadPrivateKey(settings.privateKeyFile);
  const stats = new ProcessCounters();
  const timers: Unsubscribe[] = [];
  const native = nativeSockets();
  const listenFds = mode === 'accept' ? Array.from({ length: listenCount }, (_, i) => FIRST_FD + i) : [];
  const lifecycle = new Lifecycle({
    log,
    publishExiting: () => publisher.publish('exiting', null),
    exit: (code) => {
      for (const cancel of timers) cancel();
      spool.outbox.dispose();
      process.exit(code);
    },
    releaseListeners: () => {
      for (const fd of listenFds) native?.closeFd(fd);
    },
  });
  const publisher = new RunPublisher({
    file: spool.layout.runFile(process.pid),
    pid: process.pid,
    stats,
    remakeSpool: () => spool.init(),
    inboxDepth: () => lifecycle.serving?.inboxDepth ?? 0,
    log,
    coalesceMs: RUN_RECORD_COALESCE_MS,
  });
  const parent = { lifecycle, listenerPid: listenerPid(), parentPid: () => process.ppid };
  timers.push(
    startRunRefresh({ publisher, ...parent }),
    settleWhenQuiet(
      () => stats.bytesIn + stats.bytesOut,
      () => native?.releaseMemory(),
    ),
  );
  lifecycle.listen(process);

  const loop: AcceptLoopOptions = {
    lifecycle,
    publisher,
    connect: (socket, procKey) => new Connection(socket, settings, privateKey, spool, log, stats, procKey),
    pid: process.pid,
    preauth: new PreauthGate(new PreauthRegistry(settings.spool, settings.nodeId), settings, process.pid, stats, log),
  };
  if (mode === 'socket') {
    await serveHandedOver(loop, new Socket({ fd: FIRST_FD, readable: true, writable: true }));
    return;
  }
  if (!native) throw new Error('accept mode needs the native socket helpers');
  timers.push(watchListener(parent, native.parentDeathSignal?.bind(native)));
  // Ahead of need: a process in accept mode waits for a connection nobody has made yet.
  if (settings.warmUpMessages > 0) {
    const warmed = await warmUp({ version: settings.proto, hash: settings.hash, messages: settings.warmUpMessages });
    log.debug('protocol code warmed up', { messages: warmed.relayed, ms: Math.round(warmed.ms) });
  }
  await acceptLoop(loop, () => acceptOne(native, listenFds), settings.recycleAfter);
}

main().catch((err: Error) => {
  process.stderr.write(`tfgw session: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
