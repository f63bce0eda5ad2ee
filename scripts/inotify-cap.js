// Benchmark servers run in a user namespace of their own, with a low cap on
// inotify instances there: the session processes' inbox watches then count
// against that namespace's cap, never against the instances the real user shares
// with every other program on the machine (the kernel's default is 128 per user).
// A peer past the cap has its inbox polled, as on a host at its limit.
'use strict';
const { spawnSync } = require('node:child_process');

/** Instances the benchmark's server may hold. */
const BENCH_INOTIFY_INSTANCES = 48;

let usable;

/** Whether `unshare --user` works here (root, or unprivileged user namespaces allowed). */
function canUnshare() {
  usable ??= spawnSync('unshare', ['--user', '--map-root-user', 'true'], { stdio: 'ignore' }).status === 0;
  return usable;
}

/**
 * The command line that runs `argv` under the cap, or `argv` itself where no user
 * namespace can be made (the caller's own user's instances are then used).
 */
function underInotifyCap(argv) {
  if (!canUnshare()) return argv;
  const script = `echo ${BENCH_INOTIFY_INSTANCES} > /proc/sys/user/max_inotify_instances && exec "$0" "$@"`;
  return ['unshare', '--user', '--map-root-user', 'sh', '-c', script, ...argv];
}

/** Whether benchmark servers here run under the cap. */
function inotifyCapped() {
  return canUnshare();
}

module.exports = { underInotifyCap, inotifyCapped, BENCH_INOTIFY_INSTANCES };
