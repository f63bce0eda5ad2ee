#!/usr/bin/env bash
# Two hosts, one spool on NFS: tfgw on two User-mode Linux kernels (hostA, hostB), each with
# its own NFS client mounting one nfs-ganesha export, inside a network namespace this test
# creates (test/nfs/lab.sh). Real clients in the namespace reach both hosts.
# Needs root and the lab's packages, so `npm test` leaves it out (scripts/run-tests.js) and
# .ci/run runs it; when the lab cannot start it fails, it never skips.
# LAB_MOUNT_OPTS overrides the hosts' mount options, LAB_SERVE_FLAGS adds flags to both servers.
source "$(dirname "$0")/lib.sh"
source "$ROOT/test/nfs/lab.sh"

STALE_MS=5000
STAY_MS=60000
# A short staleMs: A sweeps every 5 s while B's peer stays. RSA inside User-mode Linux is
# slow, more so on a busy machine: the connection sequence gets more time than by default.
LAB_SERVE_ENV="TFGW_STALE_MS=$STALE_MS TFGW_KEY_EXCHANGE_TIMEOUT_MS=20000"
read -r -a SERVE_FLAGS <<<"--spare-sessions 2 --handshake-timeout 30000 ${LAB_SERVE_FLAGS:-}"
FAILED=0
STARTED=$SECONDS

# Records a failed check and goes on, so one run shows every check's outcome.
not_ok() {
  FAILED=$((FAILED + 1))
  echo "not ok - $1"
  for host in hostA hostB; do
    [ -s "$LAB/$host/serve.err" ] && { echo "# $host serve.err:"; tail -n 8 "$LAB/$host/serve.err" | sed 's/^/#   /'; }
  done
  return 0
}

client() {
  lab_ns env LAB_DATA="$LAB/data" LAB_ADDR_A="${LAB_ADDR[hostA]}" LAB_ADDR_B="${LAB_ADDR[hostB]}" LAB_PORT="$LAB_PORT" \
    node "$ROOT/dist/test/nfs/lab-client.js" "$@"
}

# step NAME DESCRIPTION: runs a client step; its measured lines go to the output as comments.
step() {
  local name=$1 what=$2
  shift 2
  if client "$name" "$@" >"$WORK/$name.out" 2>&1; then ok "$what"; else not_ok "$what"; fi
  sed 's/^/# /' "$WORK/$name.out"
}

lab_start
echo "# mount: $(cut -d' ' -f3,4 "$LAB/hostA/mount.txt")"
lab_serve hostA "${SERVE_FLAGS[@]}"
lab_serve hostB "${SERVE_FLAGS[@]}"
ok "lab up in $((SECONDS - STARTED)) s: two hosts mount the export ($LAB_MOUNT_OPTS) and serve from one spool on it"

client stay "$STAY_MS" >"$WORK/stay.out" 2>&1 &
STAY=$!
PIDS+=("$STAY")
wait_for "grep -q entered '$WORK/stay.out'" 300 || not_ok "a peer entered on host B to stay"
[ -L "$LAB_EXPORT/spool/stayer" ] || not_ok "the staying peer's link is in the exported spool"

step reach "a peer that got OK on either host receives what either host sends 1 s later"
step exchange "50 messages each way between a peer on A and a peer on B arrive intact and in order"
step takeover "an identity held on A and taken over on B: what either host sends 1 s later reaches B, not A"

if wait "$STAY"; then ok "a peer on B stays $((STAY_MS / 1000)) s while A sweeps every $((STALE_MS / 1000)) s, and still receives"
else not_ok "a peer on B stays $((STAY_MS / 1000)) s while A sweeps every $((STALE_MS / 1000)) s, and still receives"; fi
sed 's/^/# /' "$WORK/stay.out"

# Host B's server and sessions die by SIGKILL; B's kernel and NFS client stay up.
client hold B killed-1 killed-2 >"$WORK/hold.out" 2>&1 &
HOLD=$!
PIDS+=("$HOLD")
if wait_for "grep -q held '$WORK/hold.out'" 300 && [ -L "$LAB_EXPORT/spool/killed-1" ] && [ -L "$LAB_EXPORT/spool/killed-2" ]; then
  lab_kill_server hostB | sed 's/^/# hostB: /'
  KILLED=$(date +%s%N)
  gone() { [ ! -L "$LAB_EXPORT/spool/killed-1" ] && [ ! -L "$LAB_EXPORT/spool/killed-2" ] && [ -z "$(ls "$LAB_EXPORT/spool/.inboxes")" ]; }
  # staleMs + one sweep interval (every staleMs): host A watches heartbeats at their pace and
  # sweeps as soon as B's goes stale, which takes staleMs plus about two heartbeat intervals.
  if wait_for gone $((STALE_MS * 2 / 100)); then
    ok "host A removes killed host B's identities and inboxes within staleMs + one sweep"
    echo "# measured: removed $(( ($(date +%s%N) - KILLED) / 1000000 )) ms after the kill (staleMs $STALE_MS)"
  else
    not_ok "host A removes killed host B's identities and inboxes within staleMs + one sweep ($(ls -A "$LAB_EXPORT/spool" | tr '\n' ' '))"
  fi
else
  not_ok "two peers entered on host B (then killed)"
  sed 's/^/# /' "$WORK/hold.out"
  lab_kill_server hostB | sed 's/^/# hostB: /'
fi
wait "$HOLD" 2>/dev/null || true
step serving "host A keeps serving after host B's server was killed"

lab_serve hostB "${SERVE_FLAGS[@]}"
step exchange "after host B's server restarts, A and B exchange again"

# serve's start-time check of the mount: quiet with the README's options, a warning without.
grep -h 'WARN' "$LAB/hostA/serve.err" | grep -E 'NFS|clock' | sed 's/^/# hostA: /' || true
case ",$LAB_MOUNT_OPTS," in
  *,actimeo=1,*|*,noac,*)
    if grep -q 'spool on NFS' "$LAB/hostA/serve.err"; then not_ok "no mount warning with actimeo=1"; else ok "no mount warning with actimeo=1"; fi ;;
  *)
    if grep -q 'spool on NFS caches attributes' "$LAB/hostA/serve.err"; then ok "serve warns about the mount's attribute caches"; else not_ok "serve warns about the mount's attribute caches"; fi ;;
esac

for host in hostA hostB; do
  lab_stop_server "$host" || not_ok "tfgw serve on $host exits 0 on SIGTERM"
done
if [ -z "$(ls "$LAB_EXPORT/spool")" ] && [ -z "$(find "$LAB_EXPORT/spool" -mindepth 2)" ]; then
  ok "after every peer left and both servers stopped, the spool holds nothing"
else
  not_ok "after every peer left and both servers stopped, the spool holds nothing: $(cd "$LAB_EXPORT/spool" && find . -mindepth 1 | tr '\n' ' ')"
fi

echo "nfs-two-hosts.sh: $PASSED passed, $FAILED failed in $((SECONDS - STARTED)) s"
[ "$FAILED" = 0 ]
