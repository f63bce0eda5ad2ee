/**
 * A private inotify budget for a server under test: a user namespace of the
 * test's own (`unshare --user --map-root-user`) whose instance limit
 * (/proc/sys/user/max_inotify_instances, per user inside that namespace) is set
 * low before the server is exec'd in it. The network stays the host's, so
 * clients reach the server on loopback; the limits of the machine's real users,
 * which other programs share, are left as they are.
 */
import { spawnSync } from 'node:child_process';

const SET_LIMIT_AND_EXEC = 'echo "$0" > /proc/sys/user/max_inotify_instances && exec "$@"';

/** A launcher for `startServer`: runs the server in a new user namespace with `instances` inotify instances. */
export function inotifyLimitedLauncher(instances: number): string[] {
  return ['unshare', '--user', '--map-root-user', 'sh', '-c', SET_LIMIT_AND_EXEC, String(instances)];
}

/** Why such a namespace cannot be had here (no unshare, user namespaces disabled), or null when it can. */
export function inotifyNamespaceProblem(): string | null {
  const [command, ...args] = [...inotifyLimitedLauncher(4), 'cat', '/proc/sys/user/max_inotify_instances'];
  const probe = spawnSync(command as string, args, { encoding: 'utf8' });
  if (probe.error) return `unshare: ${probe.error.message}`;
  if (probe.status !== 0 || probe.stdout.trim() !== '4') return `no private inotify limit: ${probe.stderr.trim() || probe.stdout.trim()}`;
  return null;
}

