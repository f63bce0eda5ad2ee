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
 */
import { type ChokidarOptions, FSWatcher } from 'chokidar';

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

/** A watch on one directory, as `watchDirectory` returns it. */
export interface DirectoryWatch {
  /** Resolves once the kernel watch is in place. */
  readonly ready: Promise<void>;
  /** Ends the watch; no more calls come after it resolves. */
  close(): Promise<void>;
  /** Directory listings chokidar asked for and was refused (for tests and the bench). */
  readonly listingsRefused: number;
  /** True while chokidar's listings are refused (false: an unknown chokidar, scanning). */
  readonly refusing: boolean;
}

/**
 * Watches `dir` (not its subdirectories): `onEntry` gets the name of each entry
 * a notification names, `onError` the watch's failures (the directory removed,
 * the kernel refusing the watch). Errors of permission and of a vanished entry
 * are not failures.
 */
export function watchDirectory(
  dir: string,
  onEntry: (name: string) => void,
  onError: (error: Error) => void = () => undefined,
): DirectoryWatch {
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
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  watcher.add(dir);
  return {
    ready,
    close: () => watcher.close(),
    get listingsRefused() {
      return watcher.listingsRefused;
    },
    refusing: watcher.refusing,
  };
}
