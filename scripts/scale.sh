#!/usr/bin/env bash
# Scale proof (not part of npm test): PEERS peers in the gateway of one server on a
# stock kernel, with the inotify instance limit at its default (128 per user). The
# server runs as a user created for the run (removed at the end), so the budget it
# exhausts is that user's own and not the one root's other programs share; it gets
# maxPeers and maxSessions raised as the README (Operating it, "Many peers") says.
# scripts/scale-driver.js (run as root: the clients are only TCP) makes every peer
# join, gives each one message from another peer while PAIRS pairs relay 1 KiB
# messages with nothing lost, reads memory (PSS), CPU and inotify instances, and
# makes all leave; then this script checks that processes, descriptors, inotify
# instances and spool entries are back to their baseline. Needs root (useradd,
# setpriv), Linux (/proc) and the built tree (npm run build).
#
#   scripts/scale.sh                 # 1000 peers
#   PEERS=200 scripts/scale.sh       # a short run
#
# Environment: PEERS (1000), PAIRS (8), PAIR_SECONDS (20), CONCURRENCY (8 joins at
# once, below the 16 unauthenticated connections allowed per address), SETTLE (240 s
# for the pool to shrink back after the peers left), SCALE_DIR (a new temporary
# directory: logs and driver.json go there), SCALE_FORCE (1: run even if the
# session processes may not fit in memory).
#
# Exits 0 when every check passed, 1 otherwise, 2 when it cannot run here.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEERS="${PEERS:-1000}"
PAIRS="${PAIRS:-8}"
PAIR_SECONDS="${PAIR_SECONDS:-20}"
CONCURRENCY="${CONCURRENCY:-8}"
SETTLE="${SETTLE:-240}"
SCALE_DIR="${SCALE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tfgw-scale.XXXXXX")}"

fail_setup() { echo "scale: $*" >&2; exit 2; }
for n in "$PEERS" "$PAIRS" "$PAIR_SECONDS" "$CONCURRENCY" "$SETTLE"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || fail_setup "PEERS, PAIRS, PAIR_SECONDS, CONCURRENCY and SETTLE must be positive integers"
done
[ "$(id -u)" = 0 ] || fail_setup "run as root: the server runs as a user created for the run"
[ -f "$ROOT/dist/src/client/index.js" ] || fail_setup "build first (npm run build)"
command -v useradd >/dev/null && command -v setpriv >/dev/null || fail_setup "needs useradd and setpriv"

# The limits this run meets, said before it starts.
INSTANCES="$(cat /proc/sys/fs/inotify/max_user_instances)"
if [ "$INSTANCES" != 128 ]; then
  echo "scale: note: fs.inotify.max_user_instances is $INSTANCES on this machine, not the kernel default 128"
fi
AVAILABLE_MIB=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
if [ $((PEERS * 16 + 1024)) -gt "$AVAILABLE_MIB" ] && [ "${SCALE_FORCE:-0}" != 1 ]; then
  fail_setup "$PEERS session processes need about $((PEERS * 16 + 1024)) MiB, $AVAILABLE_MIB MiB available; use fewer PEERS or SCALE_FORCE=1"
fi
# A session process has about a dozen threads, and threads count against the user's
# process limit (ulimit -u) and the kernel's pid_max; each holds a few descriptors.
NPROC="$(ulimit -u)"
[ "$NPROC" = unlimited ] || [ "$NPROC" -ge $((PEERS * 16)) ] || fail_setup "ulimit -u is $NPROC; $PEERS peers need about $((PEERS * 16))"
[ "$(cat /proc/sys/kernel/pid_max)" -ge $((PEERS * 16 + 4096)) ] || fail_setup "kernel.pid_max is below $((PEERS * 16 + 4096))"
NOFILE="$(ulimit -n)"
[ "$NOFILE" = unlimited ] || [ "$NOFILE" -ge $((PEERS * 4 + 1024)) ] || fail_setup "ulimit -n is $NOFILE; the listener and the driver need about $((PEERS * 4 + 1024))"

RUN_USER="tfgw-scale-$$"
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_USER" ||
  fail_setup "useradd $RUN_USER failed"
RUN_UID="$(id -u "$RUN_USER")"
RUN_GID="$(id -g "$RUN_USER")"
mkdir -p "$SCALE_DIR/run"
chmod 755 "$SCALE_DIR"
chown "$RUN_USER:" "$SCALE_DIR/run"
SPOOL="$SCALE_DIR/run/spool"

SERVER_PID=""
DRIVER_PID=""
cleanup() {
  [ -n "$DRIVER_PID" ] && kill "$DRIVER_PID" 2>/dev/null
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 200); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  # The user goes once none of its processes is left.
  for _ in $(seq 1 100); do pgrep -u "$RUN_UID" >/dev/null || break; sleep 0.1; done
  userdel "$RUN_USER" 2>/dev/null || echo "scale: could not remove user $RUN_USER" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# As the README says for many peers: maxPeers at least the peers, maxSessions with room for spares.
MAX_PEERS=$((PEERS + 16))
MAX_SESSIONS=$((PEERS + 64))
HOME="$SCALE_DIR/run" setpriv --reuid="$RUN_UID" --regid="$RUN_GID" --clear-groups -- \
  node "$ROOT/bin/tfgw" serve --listen 127.0.0.1:0 --data-dir "$SCALE_DIR/run/data" --spool "$SPOOL" \
  --metrics-listen 127.0.0.1:0 --max-peers "$MAX_PEERS" --max-sessions "$MAX_SESSIONS" \
  >"$SCALE_DIR/server.out" 2>"$SCALE_DIR/server.log" &
SERVER_PID=$!
for _ in $(seq 1 300); do
  grep -q '^  metrics ' "$SCALE_DIR/server.out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "scale: the server did not start:" >&2; cat "$SCALE_DIR/server.log" >&2; exit 1; }
  sleep 0.1
done
PORT="$(sed -n 's/^  listening on  127\.0\.0\.1:\([0-9]*\).*/\1/p' "$SCALE_DIR/server.out")"
HASH="$(sed -n 's/^  hash          //p' "$SCALE_DIR/server.out")"
METRICS="$(sed -n 's/^  metrics *\(http:[^ ]*\).*/\1/p' "$SCALE_DIR/server.out")"
[ -n "$PORT" ] && [ -n "$HASH" ] && [ -n "$METRICS" ] || { echo "scale: could not read the server's address, hash and metrics URL" >&2; exit 1; }

count() { find "$1" -mindepth 1 -maxdepth 1 "${@:2}" 2>/dev/null | wc -l; }
user_pids() { pgrep -u "$RUN_UID"; }
sessions() { pgrep -P "$SERVER_PID" | wc -l; }
fds_of() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
inotify_of() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -lname 'anon_inode:inotify' 2>/dev/null | wc -l; }
queued() { find "$SPOOL/.inboxes" -mindepth 2 -maxdepth 2 -regextype posix-extended -regex '.*/[0-9]{13}-[0-9]{7}-[0-9]{10}' 2>/dev/null | wc -l; }
# processes, threads, descriptors (all and the listener's), inotify instances of the user; spool entries
measure() {
  local procs=0 threads=0 fds=0 inotify=0 pid
  for pid in $(user_pids); do
    procs=$((procs + 1))
    threads=$((threads + $(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)))
    fds=$((fds + $(fds_of "$pid")))
    inotify=$((inotify + $(inotify_of "$pid")))
  done
  echo "$procs $(sessions) $threads $fds $(fds_of "$SERVER_PID") $inotify" \
    "$(count "$SPOOL" ! -name '.*') $(count "$SPOOL/.inboxes") $(queued) $(count "$SPOOL/.locks") $(count "$SPOOL/.tmp") $(count "$SPOOL/.run")"
}
describe() { # label, a measure line
  read -r procs sess threads fds lfds inotify ids inboxes q locks tmp run <<<"$2"
  echo "  $1: $procs processes of $RUN_USER ($sess session processes, $threads threads), $fds descriptors" \
    "(listener $lfds), $inotify inotify instances; spool: $ids identities, $inboxes inboxes, $q queued," \
    "$locks locks, $tmp .tmp, $run .run"
}

echo "scale: $PEERS peers against 127.0.0.1:$PORT, server as $RUN_USER (uid $RUN_UID)," \
  "fs.inotify.max_user_instances=$INSTANCES, --max-peers $MAX_PEERS --max-sessions $MAX_SESSIONS; output in $SCALE_DIR"
sleep 3
BASE="$(measure)"
describe baseline "$BASE"
read -r B_PROCS B_SESS _ B_FDS B_LFDS B_INOTIFY _ <<<"$BASE"

node "$ROOT/scripts/scale-driver.js" --port "$PORT" --hash "$HASH" --public-key "$SCALE_DIR/run/data/public.pem" \
  --server-pid "$SERVER_PID" --metrics "$METRICS" --peers "$PEERS" --pairs "$PAIRS" \
  --pair-seconds "$PAIR_SECONDS" --concurrency "$CONCURRENCY" --clock-ticks "$(getconf CLK_TCK)" \
  >"$SCALE_DIR/driver.json" 2> >(tee "$SCALE_DIR/driver.log" >&2) &
DRIVER_PID=$!
wait "$DRIVER_PID"
DRIVER_STATUS=$?
DRIVER_PID=""

# The pool shrinks back a few seconds after the burst: surplus waiting processes retire,
# and the listener removes what each left (its run record last) once it has exited.
SETTLED=0
for _ in $(seq 1 $((SETTLE * 2))); do
  if [ "$(sessions)" -le "$B_SESS" ] && [ "$(count "$SPOOL" ! -name '.*')" = 0 ] &&
    [ "$(count "$SPOOL/.inboxes")" = 0 ] && [ "$(count "$SPOOL/.locks")" = 0 ] &&
    [ "$(count "$SPOOL/.run" -name '*.json')" -le "$(sessions)" ]; then
    SETTLED=1
    break
  fi
  sleep 0.5
done
# The periodic sweep gets a moment too.
sleep 3
END="$(measure)"
read -r E_PROCS E_SESS _ E_FDS E_LFDS E_INOTIFY E_IDS E_INBOXES E_QUEUED E_LOCKS E_TMP E_RUN <<<"$END"

FAILED=0
check() { # description, condition result (0 = ok)
  if [ "$2" = 0 ]; then echo "  ok    $1"; else echo "  FAIL  $1"; FAILED=1; fi
}
echo
echo "summary"
node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const p = s.plateau || {};
  const sent = s.pairs.reduce((n, d) => n + d.sent, 0);
  const received = s.pairs.reduce((n, d) => n + d.received, 0);
  const lines = [
    `joined ${s.joined}/${s.peers} in ${s.joinSeconds.toFixed(1)} s (server CPU ${s.joinCpuSeconds} s, ${(1000 * s.joinCpuSeconds / Math.max(1, s.joined)).toFixed(0)} ms a peer); ${s.joinFailures.length} failed, ${s.joinRetries} connections tried again`,
    `at the plateau: ${p.sessionProcesses} session processes, PSS ${p.sessionsPssMiB} MiB together, ${p.pssPerSessionMiB} MiB a session process; listener PSS ${p.listenerPssMiB} MiB and ${p.listenerDescriptors} descriptors; ${p.threads} threads; ${p.inotifyInstances} inotify instances; ${s.watchFallbacks} inboxes polled (tfgw_watch_fallbacks_total), ${s.gatewayPeers} peers (tfgw_gateway_peers); all waiting, the server used ${s.idleCpuPercentOfCore} % of a core`,
    `ring: ${s.ringDelivered}/${s.peers} peers got exactly the message sent to them; ${s.ringWrong.length} did not, ${s.unexpected} unexpected messages`,
    `${s.pairs.length / 2} pairs, 1 KiB messages both ways: ${sent} sent, ${received} received, ${sent - received} lost, ${s.pairs.reduce((n, d) => n + d.corrupt + d.outOfOrder, 0)} corrupt or out of order (${(received / Math.max(0.001, s.relaySeconds)).toFixed(0)} messages/s beside the ring)`,
    `relay phase ${s.relaySeconds.toFixed(1)} s, server CPU ${s.relayCpuSeconds} s; leave ${s.leaveSeconds.toFixed(1)} s, server CPU ${s.leaveCpuSeconds} s, ${s.leaveFailures} failed`,
  ];
  for (const l of lines) console.log(`  ${l}`);
  for (const w of [...s.joinFailures, ...s.ringWrong].slice(0, 10)) console.log(`    ${w}`);
' "$SCALE_DIR/driver.json" 2>/dev/null || echo "  driver: no summary ($(head -c 300 "$SCALE_DIR/driver.json" 2>/dev/null))"
describe baseline "$BASE"
describe end "$END"
check "driver: every peer joined, got its message, the pairs lost nothing, every peer left (exit $DRIVER_STATUS)" "$DRIVER_STATUS"
check "pool back within $SETTLE s" "$([ "$SETTLED" = 1 ]; echo $?)"
check "processes of $RUN_USER back to baseline ($B_PROCS -> $E_PROCS)" "$([ "$E_PROCS" = "$B_PROCS" ]; echo $?)"
check "listener descriptors back to baseline ($B_LFDS -> $E_LFDS)" "$([ "$E_LFDS" = "$B_LFDS" ]; echo $?)"
# A session process that served a peer keeps its inotify instance (one descriptor) for life.
check "descriptors other than inotify instances back to baseline ($((B_FDS - B_INOTIFY)) -> $((E_FDS - E_INOTIFY)))" \
  "$([ $((E_FDS - E_INOTIFY)) = $((B_FDS - B_INOTIFY)) ]; echo $?)"
check "inotify instances back to baseline, plus at most one per waiting session process that served ($B_INOTIFY -> $E_INOTIFY, $E_SESS waiting)" \
  "$([ "$E_INOTIFY" -le $((B_INOTIFY + E_SESS)) ]; echo $?)"
check "no identity, inbox, queued file or identity lock left ($E_IDS, $E_INBOXES, $E_QUEUED, $E_LOCKS)" \
  "$([ "$E_IDS" = 0 ] && [ "$E_INBOXES" = 0 ] && [ "$E_QUEUED" = 0 ] && [ "$E_LOCKS" = 0 ]; echo $?)"
check "a run record per session process ($E_RUN for $E_SESS); a .tmp entry at most per process and the listener ($E_TMP)" \
  "$([ "$E_RUN" = "$E_SESS" ] && [ "$E_TMP" -le $((E_SESS + 1)) ]; echo $?)"
check "no session process crashed" "$(! grep -q 'session crashed\|ended abnormally' "$SCALE_DIR/server.log"; echo $?)"
if [ $((MAX_PEERS + 1 + 16)) -gt "$INSTANCES" ]; then
  check "the listener warned at start that maxPeers exceeds the inotify limit" \
    "$(grep -q 'maxPeers exceeds the inotify limits' "$SCALE_DIR/server.log"; echo $?)"
fi

kill -TERM "$SERVER_PID"
STOP_STATUS=""
for _ in $(seq 1 300); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then wait "$SERVER_PID"; STOP_STATUS=$?; break; fi
  sleep 0.1
done
SERVER_PID=""
check "server stopped on SIGTERM with status 0 (${STOP_STATUS:-still running})" "$([ "$STOP_STATUS" = 0 ]; echo $?)"
check "spool empty after the stop ($(find "$SPOOL" -mindepth 2 2>/dev/null | wc -l) entries below its directories)" \
  "$([ "$(find "$SPOOL" -mindepth 2 2>/dev/null | wc -l)" = 0 ]; echo $?)"
echo
[ "$FAILED" = 0 ] && echo "scale: PASS" || echo "scale: FAIL (logs in $SCALE_DIR)"
exit "$FAILED"
