#!/usr/bin/env bash
# Checks the deployment files as far as a machine without a container engine
# allows (run by test/cli/deploy.sh): systemd-analyze verify on the unit, when
# systemd-analyze exists; a lint of the Dockerfile (deploy/dockerfile-lint.js);
# then the image's entry command run outside a container, with the image's
# environment on loopback ports, until its own health check passes, and stopped.
# Needs a built tree (npm run build).
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/test/cli/lib.sh"

# --- the systemd unit
UNIT="$ROOT/deploy/tfgw.service"
for directive in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes StateDirectory=tfgw \
  KillMode=mixed Restart=on-failure LimitNOFILE= TimeoutStopSec=; do
  grep -q "^$directive" "$UNIT" || fail "unit sets $directive"
done
grep -q '^#.*fs.inotify.max_user_instances' "$UNIT" || fail "unit carries the inotify note"
grep -q '^User=\|^DynamicUser=yes' "$UNIT" || fail "unit runs as an unprivileged user"
ok "unit has the sandboxing, state, limit, restart and stop directives"
stop_s=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\?$/\1/p' "$UNIT")
[ "${stop_s:-0}" -gt 10 ] || fail "TimeoutStopSec ($stop_s s) leaves room for the default 5 s drain"
ok "TimeoutStopSec (${stop_s} s) is above the default shutdown drain plus a margin"

if command -v systemd-analyze >/dev/null; then
  # The unit as installed names /usr/local/bin/tfgw; verify checks that the
  # command exists, so this copy points at the checkout's bin/tfgw.
  sed "s#^ExecStart=/usr/local/bin/tfgw #ExecStart=$ROOT/bin/tfgw #" "$UNIT" >"$WORK/tfgw.service"
  verify_out=$(systemd-analyze verify "$WORK/tfgw.service" 2>&1) || fail "systemd-analyze verify: $verify_out"
  [ -z "$verify_out" ] || fail "systemd-analyze verify warns: $verify_out"
  ok "systemd-analyze verify accepts deploy/tfgw.service"
else
  echo "# skip: systemd-analyze not installed, the unit is not verified by systemd"
fi

# --- the Dockerfile and its context
node "$ROOT/deploy/dockerfile-lint.js" "$ROOT/Dockerfile" || fail "Dockerfile lint"
ok "Dockerfile: stages, non-root USER, HEALTHCHECK, state VOLUMEs, no ADD of URLs, exec-form entry"
for ignored in .git node_modules dist build data spool; do
  grep -qx "$ignored" "$ROOT/.dockerignore" || fail ".dockerignore leaves out $ignored"
done
ok ".dockerignore keeps built trees and local state out of the context"

# --- the entry command, outside a container
LISTEN_PORT=$(free_port)
METRICS_PORT=$(free_port)
eval "$(node "$ROOT/deploy/dockerfile-lint.js" "$ROOT/Dockerfile" --run "$ROOT" "$WORK/state" \
  "127.0.0.1:$LISTEN_PORT" "127.0.0.1:$METRICS_PORT")"
mkdir -p "$WORK/state/data" "$WORK/state/spool" "$WORK/home"
run_image() { env -i PATH="$PATH" HOME="$WORK/home" "${IMAGE_ENV[@]}" "$@"; }
# Started directly (not through run_image) so that $! is the server itself.
env -i PATH="$PATH" HOME="$WORK/home" "${IMAGE_ENV[@]}" "${IMAGE_COMMAND[@]}" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER=$!
PIDS+=("$SERVER")
wait_for "grep -q 'public key' '$WORK/serve.out'" 150 || fail "the entry command starts"
wait_for "run_image ${IMAGE_HEALTH[*]} 2>/dev/null" 150 || fail "the image's health check passes"
ok "the image's entry command (${IMAGE_COMMAND[*]}) serves; its HEALTHCHECK passes"
status=$(node -e "require('http').get('http://127.0.0.1:$METRICS_PORT/healthz', (r) => console.log(r.statusCode))")
[ "$status" = 200 ] || fail "/healthz answers 200, got $status"
grep -q "listening on  127.0.0.1:$LISTEN_PORT" "$WORK/serve.out" || fail "it listens where TFGW_LISTEN says"
[ -f "$WORK/state/data/public.pem" ] && [ -d "$WORK/state/spool/.run" ] || fail "state in the image's volumes"
ok "/healthz answers 200; the key and the spool are in the volume paths"

children=$(pgrep -P "$SERVER" | tr '\n' ' ')
kill -TERM "$SERVER"
code=0
wait "$SERVER" || code=$?
[ "$code" = 0 ] || fail "SIGTERM stops it with status 0, got $code"
for child in $children; do
  wait_for "! kill -0 $child 2>/dev/null" 50 || fail "session process $child ended with the server"
done
ok "SIGTERM drains and stops it (exit 0), no session process left"
