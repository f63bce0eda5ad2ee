/**
 * The one way tfgw watches a directory: the inbox reader (inbox.ts), the
 * listener's pool following `.run/` (listener/pool.ts) and the file-IPC floor of
 * the bench (bench/floor-ipc-peer.ts) all call `watchDirectory`. Each kernel
 * notification names the entry that changed; that name is all a caller wants, so
 * nothing inside the directory is chokidar's to track (a per-file watcher for
 * every message would cost more than the message itself). chokidar owns the
 * kernel watch, its errors and its lifetime.
 *
 * Why chokidar is pinned to one exact version (package.json, and
 * test/spool/watch.test.ts fails on any other): chokidar answers every
 * notification on a directory by listing it again, with an lstat per entry, and
 * lists it once more as soon as that listing ends if anything changed meanwhile.
 * For a busy inbox that is a continuous scan of the whole queue: it took as much
 * CPU as the deliveries (docs/PERFORMANCE.md). No public option turns it off:
 * every kernel watch chokidar 4 puts on a directory is bound to that listing
 * (`depth` and `ignored` only filter its results, and the listing always stats),
 * and pointing chokidar at a path whose listing fails or is empty only makes the
 * listings cheaper and so more frequent, which cost more in all. So the watcher
 * refuses the listing at its root, chokidar's directory read (`_handleRead`, a
 * member of its handler that is not public API). That member was read in the
 * pinned version's source; an upgrade must read it again before moving the pin.
 * Should the member not be there in the shape read, the watcher leaves chokidar
 * alone: it then works, only with its scans.
 *
 * A kernel watch is not always to be had: each process holds one inotify
 * instance, and a user has 128 by default, shared by all of that user's programs.
 * When the kernel refuses (EMFILE, ENOSPC), chokidar reports an 'error' and still
 * becomes ready, watching nothing. `watchDirectory` takes that error as the sign:
 * in mode `auto` it falls back at once to listing the directory at a short
 * interval (watch-poll.ts), in mode `native` the watch fails, so that its user
 * refuses what it needed the watch for rather than hold a deaf inbox.
 */
import { type ChokidarOptions, FSWatcher } from 'chokidar';
import { type PollingWatch, pollDirectory } from './watch-poll';

/** The chokidar release whose handler this file was written against. */
export const CHOKIDAR_PINNED = '4.0.3';

/** The parameters of chokidar 4.0.3's `NodeFsHandler._handleRead`. */
const HANDLE_READ_ARITY = 7;

interface ListingHandler {
  _handleRead?: unknown;
}

class RefusingWatcher extends FSWatcher {
  /** How many directory listings chokidar asked for and was refused. */
  listingsRefused = 0;
  /** False when chokidar's handler is not the one read (its scans then run). */
  readonly refusing: boolean;

  constructor(options: ChokidarOptions) {
    super(options);
    const handler = (this as unknown as { _nodeFsHandler?: ListingHandler })._nodeFsHandler;
    const read = handler?._handleRead;
    this.refusing = typeof read === 'function' && read.length === HANDLE_READ_ARITY;
    if (handler && this.refusing) {
      // A read that returns nothing ends chokidar's scan before it starts.
      handler._handleRead = () => {
        this.listingsRefused++;
        return undefined;
      };
    }
  }
}

/** How a directory is watched: kernel watch, falling back to polling (auto), kernel only, polling only. */
export const WATCH_MODES = ['auto', 'native', 'poll'] as const;
export type WatchMode = (typeof WATCH_MODES)[number];

export interface WatchOptions {
  /** Default `auto`. */
  readonly mode?: WatchMode;
  /** Interval of the listings when polling (ms); default 200. */
  readonly pollIntervalMs?: number;
  /** The kernel refused a watch and polling took its place (mode `auto`). */
  readonly onFallback?: (reason: Error) => void;
  /**
   * Mode `auto` only: list the directory every `pollIntervalMs` from the start, with
   * the kernel watch on top where it works. For a directory on a network file
   * system, which other hosts write into without any notification here.
   */
  readonly alsoPoll?: boolean;
}

export const DEFAULT_POLL_INTERVAL_MS = 200;

/** The kernel's way of saying this user has no inotify instance or watch left. */
export function isWatchExhausted(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EMFILE' || code === 'ENOSPC';
}

/** What an operator reads when a watch fell back to polling: the reason and the limit to raise. */
export function describeFallback(reason: Error): Record<string, string> {
  const code = (reason as NodeJS.ErrnoException).code;
  const limit = code === 'ENOSPC' ? 'fs.inotify.max_user_watches' : 'fs.inotify.max_user_instances';
  return { reason: reason.message, raise: `sysctl ${limit}=<more> (see README, operating)` };
}

/** A watch on one directory, as `watchDirectory` returns it. */
export interface DirectoryWatch {
  /** Resolves once the watch is in place; rejects in mode `native` when the kernel refuses it. */
  readonly ready: Promise<void>;
  /** Ends the watch; no more calls come after it resolves. */
  close(): Promise<void>;
  /** Directory listings chokidar asked for and was refused (for tests and the bench). */
  readonly listingsRefused: number;
  /** True while chokidar's listings are refused (false: an unknown chokidar, scanning). */
  readonly refusing: boolean;
  /** True while the directory is polled instead of watched by the kernel. */
  readonly polling: boolean;
}

/**
 * Watches `dir` (not its subdirectories): `onEntry` gets the name of each entry
 * a notification (or a listing, when polling) names, `onError` the watch's
 * failures (the directory removed, the kernel refusing the watch in mode
 * `native` once ready). Errors of permission and of a vanished entry are not failures.
 */
export function watchDirectory(
  dir: string,
  onEntry: (name: string) => void,
  onError: (error: Error) => void = () => undefined,
  options: WatchOptions = {},
): DirectoryWatch {
  const mode = options.mode ?? 'auto';
  const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (mode === 'poll') return polled(pollDirectory(dir, interval, onEntry, onError));
  if (mode === 'auto' && options.alsoPoll) return polledAndWatched(dir, interval, onEntry, onError);
  let poll: PollingWatch | null = null;
  let closed = false;
  let readyDone = false;
  let settle: { resolve(): void; reject(error: Error): void } = { resolve: () => undefined, reject: () => undefined };
  // chokidar's 'ready' may not come when the kernel refused the watch: its error settles it.
  const ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  }).finally(() => {
    readyDone = true;
  });
  const watcher = kernelWatch(dir, onEntry, (error) => {
    if (!isWatchExhausted(error) || closed) return onError(error);
    if (mode === 'native') return readyDone ? onError(error) : settle.reject(error);
    if (poll) return;
    poll = pollDirectory(dir, interval, onEntry, onError);
    void watcher.close();
    options.onFallback?.(error);
    void poll.ready.then(() => settle.resolve());
  });
  watcher.once('ready', () => {
    if (!poll) settle.resolve();
  });
  watcher.add(dir);
  return {
    ready,
    close: async () => {
      closed = true;
      await Promise.all([watcher.close(), (poll as PollingWatch | null)?.close()]);
    },
    get listingsRefused() {
      return watcher.listingsRefused;
    },
    refusing: watcher.refusing,
    get polling() {
      return poll !== null;
    },
  };
}

/** The chokidar watch of `dir` itself, its notifications reduced to the names they carry. */
function kernelWatch(dir: string, onEntry: (name: string) => void, onError: (error: Error) => void): RefusingWatcher {
  const watcher = new RefusingWatcher({
    depth: 0,
    ignoreInitial: true,
    atomic: false,
    followSymlinks: false,
    ignorePermissionErrors: true,
    ignored: (p: string) => p !== dir,
  });
  watcher.on('raw', (_event, name) => {
    if (typeof name === 'string' && name.length > 0) onEntry(name);
  });
  watcher.on('unlinkDir', (removed) => {
    if (removed === dir) onError(new Error('watched directory removed'));
  });
  watcher.on('error', (err) => onError(err instanceof Error ? err : new Error(String(err))));
  return watcher;
}

/**
 * Both at once: the listing finds every arrival within an interval, the kernel
 * watch reports this host's own renames at once. A name may come from both; the
 * inbox reader takes each name once. No inotify left: the listing alone goes on.
 */
function polledAndWatched(dir: string, interval: number, onEntry: (name: string) => void, onError: (error: Error) => void): DirectoryWatch {
  const poll = pollDirectory(dir, interval, onEntry, onError);
  let settled = false;
  let kernelReady: () => void = () => undefined;
  const kernelSettled = new Promise<void>((resolve) => {
    kernelReady = () => {
      settled = true;
      resolve();
    };
  });
  const watcher = kernelWatch(dir, onEntry, (error) => {
    if (!isWatchExhausted(error)) return onError(error);
    void watcher.close();
    kernelReady();
  });
  watcher.once('ready', () => kernelReady());
  watcher.add(dir);
  return {
    ready: Promise.all([poll.ready, kernelSettled]).then(() => undefined),
    close: async () => {
      if (!settled) kernelReady();
      await Promise.all([watcher.close(), poll.close()]);
    },
    get listingsRefused() {
      return watcher.listingsRefused;
    },
    refusing: watcher.refusing,
    polling: true,
  };
}

function polled(poll: PollingWatch): DirectoryWatch {
  return { ready: poll.ready, close: () => poll.close(), listingsRefused: 0, refusing: false, polling: true };
}
