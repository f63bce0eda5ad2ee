/**
 * Where the server keeps its state (the data directory with the key pair, and the
 * spool) when no setting says. Run from a clone, that is the repository itself, so
 * `./bin/tfgw serve` keeps using `data/` and `spool/` beside the code. Run from an
 * installed package, the package directory is the wrong place: a reinstall
 * replaces it (and the key with it) and it may not be writable. Then the state
 * goes where a service manager or the user's session puts state: systemd's
 * StateDirectory=, else the XDG state directory.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** The directory under the XDG state home (and the systemd unit's StateDirectory=). */
export const STATE_DIR_NAME = 'tfgw';

/**
 * True when `packageRoot` is a working copy rather than an installed package: it
 * has a `.git` beside package.json (a directory in a clone, a file in a git
 * worktree), or it is not inside a node_modules directory at all.
 */
export function isSourceCheckout(packageRoot: string): boolean {
  if (existsSync(path.join(packageRoot, '.git'))) return true;
  return !path.resolve(packageRoot).split(path.sep).includes('node_modules');
}

/**
 * The default root for `data/` and `spool/`: the package root in a working copy;
 * for an installed package `$STATE_DIRECTORY` (its first entry: systemd sets it,
 * colon-separated, from StateDirectory=), else `$XDG_STATE_HOME/tfgw` (only an
 * absolute path counts, as the XDG specification says), else
 * `~/.local/state/tfgw`.
 */
export function defaultStateRoot(env: NodeJS.ProcessEnv, packageRoot: string): string {
  if (isSourceCheckout(packageRoot)) return packageRoot;
  const fromSystemd = env.STATE_DIRECTORY?.split(':')[0];
  if (fromSystemd && path.isAbsolute(fromSystemd)) return fromSystemd;
  const xdg = env.XDG_STATE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, STATE_DIR_NAME);
  const home = env.HOME && path.isAbsolute(env.HOME) ? env.HOME : homedir();
  return path.join(home, '.local', 'state', STATE_DIR_NAME);
}

/** The default data directory and spool under {@link defaultStateRoot}. */
export function defaultStatePaths(env: NodeJS.ProcessEnv, packageRoot: string): { dataDir: string; spool: string } {
  const root = defaultStateRoot(env, packageRoot);
  return { dataDir: path.join(root, 'data'), spool: path.join(root, 'spool') };
}
