/**
 * The chokidar watcher on an inbox, as the server and the file-IPC floor use it.
 * Nothing inside the inbox is chokidar's to track: a per-file watcher for every
 * message would cost more than the message itself. Its raw events (the kernel's
 * notification, passed on before chokidar re-reads the directory) name the entry
 * that changed and are the wake-ups.
 */
import { type FSWatcher, watch } from 'chokidar';

export function watchInbox(dir: string, onEntry: (name: string) => void): FSWatcher {
  const watcher = watch(dir, {
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
  return watcher;
}

/** Resolves once the watcher is in place. */
export function watcherReady(watcher: FSWatcher): Promise<void> {
  return new Promise((resolve) => watcher.once('ready', () => resolve()));
}
