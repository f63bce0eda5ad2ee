/**
 * The chokidar watcher on an inbox, as the server and the file-IPC floor use it.
 * Nothing inside the inbox is chokidar's to track: a per-file watcher for every
 * message would cost more than the message itself. Its raw events (the kernel's
 * notification, as chokidar passes it on) name the entry that changed and are the
 * wake-ups.
 *
 * chokidar answers every notification on a directory by listing it again, with an
 * lstat per entry, and lists it once more as soon as that listing ends if anything
 * changed meanwhile. For an inbox that is busy, that is a scan of the whole queue
 * for every message, running continuously: it took as much CPU as the deliveries
 * themselves (docs/PERFORMANCE.md). The reader only needs the notifications, so
 * the inbox watcher turns those scans off at their root, chokidar's directory
 * read, which also spares every notification the bookkeeping that leads to it.
 * chokidar still owns the kernel watch, its errors and its lifetime.
 */
import { FSWatcher, type ChokidarOptions } from 'chokidar';

export class InboxWatcher extends FSWatcher {
  /** How many directory reads chokidar asked for (and was refused). */
  scansRefused = 0;

  constructor(options: ChokidarOptions) {
    super(options);
    // Declared by chokidar's handler; a read that returns nothing ends its scan.
    this._nodeFsHandler._handleRead = () => {
      this.scansRefused++;
      return undefined;
    };
  }
}

export function watchInbox(dir: string, onEntry: (name: string) => void): InboxWatcher {
  const watcher = new InboxWatcher({
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
  watcher.add(dir);
  return watcher;
}

/** Resolves once the watcher is in place. */
export function watcherReady(watcher: FSWatcher): Promise<void> {
  return new Promise((resolve) => watcher.once('ready', () => resolve()));
}
