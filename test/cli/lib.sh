# Shared helpers for the CLI scripts: a scratch dir, a free port, a tfgw server, checks.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TFGW=(node "$ROOT/bin/tfgw")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tfgw-cli.XXXXXX")
PASSED=0
PIDS=()

cleanup() {
  # Servers first, gracefully, so that their session processes end with them.
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # A session process outliving a killed server may still write for a moment.
  for _ in 1 2 3 4 5; do rm -rf "$WORK" 2>/dev/null && break; sleep 0.5; done
  return 0
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for "shell condition" [tenths of a second]
wait_for() {
  local tries=${2:-100}
  for _ in $(seq 1 "$tries"); do
    if eval "$1"; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  return 1
}

ok() {
  PASSED=$((PASSED + 1))
  echo "ok $PASSED - $1"
}

fail() {
  echo "not ok - $1" >&2
  [ -f "$WORK/serve.err" ] && tail -n 30 "$WORK/serve.err" >&2
  exit 1
}

# Visible spool entries (what `ls` shows), one line.
spool_ls() {
  ls "$WORK/spool" | tr '\n' ' ' | sed 's/ $//'
}

start_server() {
  PORT=$(free_port)
  "${TFGW[@]}" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" --spool "$WORK/spool" "$@" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVER=$!
  PIDS+=("$SERVER")
  wait_for "grep -q 'public key' '$WORK/serve.out'" || fail "server started"
  CONN=(--port "$PORT" --data-dir "$WORK/data")
}
