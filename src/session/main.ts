/**
 * Entry point of a session process. It serves one client connection at a time and
 * talks to other session processes only through the spool. It gets its
 * connections in one of two ways:
 *  - `socket`: the listener accepted the connection and handed it over as
 *    inherited descriptor 3, unread; the process serves it and exits;
 *  - `accept`: the listener started it ahead of need with the listening sockets
 *    as descriptors 3, 4, …; it accepts one connection, serves it, and accepts the
 *    next, until it has served `recycleAfter` connections or is told to stop.
 */
import { Socket } from 'node:net';
import { Spool } from '../spool';
import { acceptOne } from './accept';
import { Connection } from './connection';
import { loadPrivateKey } from '../settings/keys';
import { Logger } from '../log/logger';
import { nativeSockets } from '../native';
import { type RunRecord, type RunState, writeRunRecord } from '../spool/run-record';
import type { SessionSettings } from '../settings/session-settings';
import { ProcessCounters } from '../spool/process-counters';

const FIRST_FD = 3;

async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '{}') as SessionSettings;
  const mode = process.argv[3] ?? 'socket';
  const listenCount = Number(process.argv[4] ?? '0');
  const log = new Logger(settings.logLevel, settings.logFormat, 'session');
  const spool = new Spool({ root: settings.spool, staleMs: settings.staleMs });
  const privateKey = loadPrivateKey(settings.privateKeyFile);
  const stats = new ProcessCounters();
  const runFile = spool.layout.runFile(process.pid);
  const record: RunRecord = { pid: process.pid, state: 'idle', since: Date.now(), client: null, connections: 0, stats };
  let current: Connection | null = null;
  let retiring = false;
  const publish = (state: RunState, client: string | null) => {
    stats.inboxDepth = current?.inboxDepth ?? 0;
    if (record.state !== state) record.since = Date.now();
    record.state = state;
    record.client = client;
    try {
      writeRunRecord(runFile, record);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // The spool's .run directory went away (an operator, a sweep): make it again once.
        try {
          spool.init();
          writeRunRecord(runFile, record);
          return;
        } catch {
          // Reported below.
        }
      }
      log.warn('run record not written', { error: (err as Error).message });
    }
  };
  // Counters move while serving; the record follows at a modest pace. The same
  // tick notices a listener that died without ending its sessions (SIGKILL): the
  // process is then reparented, stops taking connections and exits once idle.
  // The listener names itself: reading process.ppid here could already see the
  // reparenting if the listener died while this process was starting.
  const listener = Number(process.env.TFGW_LISTENER_PID ?? process.ppid);
  const refresh = setInterval(() => {
    if (process.ppid !== listener && !retiring) {
      log.warn('listener gone; taking no more connections');
      retiring = true;
      if (!current) {
        publish('exiting', null);
        exit(0);
        return;
      }
    }
    publish(record.state, record.client);
  }, 1000);
  refresh.unref();
  const settle = settleWhenQuiet(stats);

  let stopping = false;
  const exit = (code: number) => {
    clearInterval(refresh);
    clearInterval(settle);
    spool.outbox.dispose();
    process.exit(code);
  };
  const stop = () => {
    stopping = true;
    if (current) current.shutdown('server shutting down');
    else {
      publish('exiting', null);
      exit(0);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Retire: the listener has more waiting processes than it wants. A waiting
  // process exits now; a busy one finishes its client first. (Signals arrive as
  // their own events, so "waiting" cannot race with a connection being accepted.)
  process.on('SIGUSR2', () => {
    retiring = true;
    if (!current) {
      publish('exiting', null);
      exit(0);
    }
  });
  process.on('uncaughtException', (err) => {
    log.error('session crashed', { error: err.stack ?? err.message });
    // The listener reaps this process and clears its inbox.
    exit(70);
  });

  const serve = async (socket: Socket, n: number) => {
    const procKey = `/${Math.floor(Date.now() / 1000)}${process.pid}${n > 1 ? `-${n}` : ''}`;
    current = new Connection(socket, settings, privateKey, spool, log, stats, procKey);
    publish('busy', current.client);
    current.start();
    await current.done;
    current = null;
  };

  if (mode === 'socket') {
    record.connections = 1;
    await serve(new Socket({ fd: FIRST_FD, readable: true, writable: true }), 1);
    publish('exiting', null);
    exit(0);
    return;
  }

  const native = nativeSockets();
  if (!native) throw new Error('accept mode needs the native socket helpers');
  const listenFds = Array.from({ length: listenCount }, (_, i) => FIRST_FD + i);
  publish('idle', null);
  while (!stopping && !retiring && record.connections < settings.recycleAfter) {
    const socket = await acceptOne(native, listenFds);
    record.connections++;
    await serve(socket, record.connections);
    if (!stopping && !retiring) publish('idle', null);
  }
  publish('exiting', null);
  exit(0);
}

/**
 * Most session processes sit idle (waiting to accept, or holding a quiet peer).
 * Once traffic has stopped for a while, a low-memory collection (which also
 * shrinks the young generation back after a burst) and malloc_trim() hand the
 * memory that start-up and past bursts freed back to the system, which is what
 * memory per idle peer comes down to.
 */
function settleWhenQuiet(stats: ProcessCounters): NodeJS.Timeout {
  const native = nativeSockets();
  let lastBytes = -1;
  let settled = false;
  const timer = setInterval(() => {
    const bytes = stats.bytesIn + stats.bytesOut;
    if (bytes !== lastBytes) {
      lastBytes = bytes;
      settled = false;
      return;
    }
    if (settled) return;
    settled = true;
    native?.releaseMemory();
  }, 2000);
  timer.unref();
  return timer;
}

main().catch((err: Error) => {
  process.stderr.write(`tfgw session: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
