#!/usr/bin/env bash
# Soak run (not part of npm test): a real server, PEERS clients joining and leaving
# the gateway under traffic for DURATION seconds (scripts/soak-driver.js), samples
# every INTERVAL seconds into a CSV, and at the end a check that everything came
# back to where it started. Needs the built tree (npm run build) and Linux (/proc).
#
#   scripts/soak.sh                          # 500 peers, 300 s
#   PEERS=100 DURATION=60 scripts/soak.sh    # a short run
#
# Environment: PEERS (500), DURATION (300 s), INTERVAL (10 s), SETTLE (60 s: how
# long to wait for the server to quiesce after the traffic), SOAK_DIR (a new
# temporary directory: config, logs and soak.csv go there), SOAK_TMPFS (1: put the
# spool on a tmpfs of its own when mounting is permitted; 0: a plain directory),
# SOAK_FORCE (1: run even if PEERS session processes may not fit in memory).
#
# Columns of soak.csv: seconds since start, phase, session processes, busy ones
# (from their run records), listener descriptors, RSS of the listener and of all
# server processes (KiB), then spool entries: identities, inboxes, message files
# queued, .tmp directories, .locks, .run records.
#
# Exits 0 when every check passed, 1 otherwise.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEERS="${PEERS:-500}"
DURATION="${DURATION:-300}"
INTERVAL="${INTERVAL:-10}"
SETTLE="${SETTLE:-60}"
SOAK_TMPFS="${SOAK_TMPFS:-1}"
SOAK_DIR="${SOAK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tfgw-soak.XXXXXX")}"

for n in "$PEERS" "$DURATION" "$INTERVAL" "$SETTLE"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "soak: PEERS, DURATION, INTERVAL and SETTLE must be positive integers" >&2; exit 2; }
done
[ -f "$ROOT/dist/src/client/index.js" ] || { echo "soak: build first (npm run build)" >&2; exit 2; }
# Every connected peer holds a session process of its own: about 50 MiB resident, but most of
# that is shared (the node binary); its own memory (PSS) is about 9-11 MiB. Allow 16 MiB each.
AVAILABLE_MIB=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
if [ $((PEERS * 16 + 512)) -gt "$AVAILABLE_MIB" ] && [ "${SOAK_FORCE:-0}" != 1 ]; then
  echo "soak: $PEERS peers need about $((PEERS * 16 + 512)) MiB, $AVAILABLE_MIB MiB available;" \
    "use fewer (PEERS=$(((AVAILABLE_MIB - 512) / 16))) or SOAK_FORCE=1" >&2
  exit 2
fi

mkdir -p "$SOAK_DIR"
SPOOL="$SOAK_DIR/spool"
CSV="$SOAK_DIR/soak.csv"
mkdir -p "$SPOOL"
MOUNTED=0
if [ "$SOAK_TMPFS" = 1 ] && mount -t tmpfs -o size=1g tfgw-soak "$SPOOL" 2>/dev/null; then
  MOUNTED=1
fi

SERVER_PID=""
DRIVER_PID=""
cleanup() {
  [ -n "$DRIVER_PID" ] && kill "$DRIVER_PID" 2>/dev/null
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  [ "$MOUNTED" = 1 ] && umount "$SPOOL" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Enough room for every peer with a margin; the metrics endpoint on a free port.
node "$ROOT/bin/tfgw" serve --listen 127.0.0.1:0 --data-dir "$SOAK_DIR/data" --spool "$SPOOL" \
  --metrics-listen 127.0.0.1:0 --max-sessions $((PEERS + 64)) --max-peers $((PEERS + 16)) \
  >"$SOAK_DIR/server.out" 2>"$SOAK_DIR/server.log" &
SERVER_PID=$!
for _ in $(seq 1 300); do
  grep -q '^  spool ' "$SOAK_DIR/server.out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "soak: the server did not start:" >&2; cat "$SOAK_DIR/server.log" >&2; exit 1; }
  sleep 0.1
done
PORT="$(sed -n 's/^  listening on  127\.0\.0\.1:\([0-9]*\).*/\1/p' "$SOAK_DIR/server.out")"
HASH="$(sed -n 's/^  hash          //p' "$SOAK_DIR/server.out")"
[ -n "$PORT" ] && [ -n "$HASH" ] || { echo "soak: could not read the server's address and hash" >&2; exit 1; }

count() { find "$1" -mindepth 1 -maxdepth 1 "${@:2}" 2>/dev/null | wc -l; }
sessions() { pgrep -P "$SERVER_PID" | wc -l; }
busy() { grep -l '"state":"busy"' "$SPOOL"/.run/*.json 2>/dev/null | wc -l; }
fds() { find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_total() {
  local total=0 pid
  for pid in "$SERVER_PID" $(pgrep -P "$SERVER_PID"); do total=$((total + $(rss_of "$pid"))); done
  echo "$total"
}
queued() { find "$SPOOL/.inboxes" -mindepth 2 -maxdepth 2 -regextype posix-extended -regex '.*/[0-9]{13}-[0-9]{7}-[0-9]{10}' 2>/dev/null | wc -l; }
START=$(date +%s)
sample() { # phase
  local line
  line="$(($(date +%s) - START)),$1,$(sessions),$(busy),$(fds),$(rss_of "$SERVER_PID"),$(rss_total),$(count "$SPOOL" ! -name '.*'),$(count "$SPOOL/.inboxes"),$(queued),$(count "$SPOOL/.tmp"),$(count "$SPOOL/.locks"),$(count "$SPOOL/.run")"
  echo "$line" >>"$CSV"
  echo "$line"
}

echo "seconds,phase,sessions,busy,listener_fds,listener_rss_kib,total_rss_kib,identities,inboxes,queued,tmp,locks,run" >"$CSV"
echo "soak: $PEERS peers for $DURATION s against 127.0.0.1:$PORT; spool $SPOOL ($([ "$MOUNTED" = 1 ] && echo tmpfs || echo directory)); output in $SOAK_DIR"
sleep 3
BASE="$(sample baseline)"
IFS=, read -r _ _ B_SESSIONS _ B_FDS B_LRSS B_RSS _ _ _ _ _ _ <<<"$BASE"

node "$ROOT/scripts/soak-driver.js" --port "$PORT" --hash "$HASH" --public-key "$SOAK_DIR/data/public.pem" \
  --peers "$PEERS" --duration "$DURATION" >"$SOAK_DIR/driver.json" 2>"$SOAK_DIR/driver.log" &
DRIVER_PID=$!
# Bounded: the driver stops at its deadline; allow it as long again to wind down.
for _ in $(seq 1 $(((2 * DURATION + 60) / INTERVAL + 1))); do
  kill -0 "$DRIVER_PID" 2>/dev/null || break
  sleep "$INTERVAL"
  kill -0 "$DRIVER_PID" 2>/dev/null && sample traffic >/dev/null
done
if kill -0 "$DRIVER_PID" 2>/dev/null; then
  echo "soak: the driver did not finish in time; stopping it" >&2
  kill "$DRIVER_PID"
fi
wait "$DRIVER_PID"
DRIVER_STATUS=$?
DRIVER_PID=""

# Quiesce: every session idle again, no identity, inbox, queued file or lock left, the
# pool back to its size (surplus waiting processes may take a while to retire).
for _ in $(seq 1 $((SETTLE * 2))); do
  [ "$(busy)" = 0 ] && [ "$(count "$SPOOL" ! -name '.*')" = 0 ] && [ "$(count "$SPOOL/.inboxes")" = 0 ] &&
    [ "$(count "$SPOOL/.locks")" = 0 ] && [ "$(sessions)" = "$B_SESSIONS" ] && break
  sleep 0.5
done
# The periodic sweep gets a moment too.
sleep 2
END="$(sample end)"
IFS=, read -r _ _ E_SESSIONS E_BUSY E_FDS E_LRSS E_RSS E_IDS E_INBOXES E_QUEUED E_TMP E_LOCKS E_RUN <<<"$END"

FAILED=0
check() { # description, condition result (0 = ok)
  if [ "$2" = 0 ]; then echo "  ok    $1"; else echo "  FAIL  $1"; FAILED=1; fi
}
echo
echo "summary"
echo "  driver: $(cat "$SOAK_DIR/driver.json" 2>/dev/null || echo 'no summary')"
echo "  samples: $(($(wc -l <"$CSV") - 1)) in $CSV"
awk -F, 'NR > 1 { if ($3 > s) s = $3; if ($5 > f) f = $5; if ($7 > r) r = $7; if ($10 > q) q = $10 }
  END { printf "  peaks: %d session processes, %d listener descriptors, %d MiB RSS in all, %d queued files\n", s, f, r / 1024, q }' "$CSV"
echo "  baseline -> end: sessions $B_SESSIONS -> $E_SESSIONS, listener fds $B_FDS -> $E_FDS," \
  "listener RSS $((B_LRSS / 1024)) -> $((E_LRSS / 1024)) MiB, total RSS $((B_RSS / 1024)) -> $((E_RSS / 1024)) MiB"
check "driver finished cleanly, no corrupt delivery (exit $DRIVER_STATUS)" "$DRIVER_STATUS"
check "no session busy ($E_BUSY)" "$([ "$E_BUSY" = 0 ]; echo $?)"
check "no identity, inbox, queued file or identity lock left ($E_IDS, $E_INBOXES, $E_QUEUED, $E_LOCKS)" \
  "$([ "$E_IDS" = 0 ] && [ "$E_INBOXES" = 0 ] && [ "$E_QUEUED" = 0 ] && [ "$E_LOCKS" = 0 ]; echo $?)"
check "a run record per session process, no more ($E_RUN for $E_SESSIONS); a .tmp entry at most per process and the listener ($E_TMP)" \
  "$([ "$E_RUN" = "$E_SESSIONS" ] && [ "$E_TMP" -le $((E_SESSIONS + 1)) ]; echo $?)"
check "listener descriptors back to baseline ($B_FDS -> $E_FDS)" "$([ "$E_FDS" = "$B_FDS" ]; echo $?)"
check "session processes back to baseline ($B_SESSIONS -> $E_SESSIONS)" "$([ "$E_SESSIONS" = "$B_SESSIONS" ]; echo $?)"
check "listener RSS within its baseline plus 32 MiB ($((B_LRSS / 1024)) -> $((E_LRSS / 1024)) MiB)" \
  "$([ "$E_LRSS" -le $((B_LRSS + 32768)) ]; echo $?)"
check "total RSS within twice the baseline plus 64 MiB ($((B_RSS / 1024)) -> $((E_RSS / 1024)) MiB)" \
  "$([ "$E_RSS" -le $((2 * B_RSS + 65536)) ]; echo $?)"
check "no session process crashed" "$(! grep -q 'session crashed\|ended abnormally' "$SOAK_DIR/server.log"; echo $?)"

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
[ "$FAILED" = 0 ] && echo "soak: PASS" || echo "soak: FAIL (logs in $SOAK_DIR)"
exit "$FAILED"
