#!/usr/bin/env bash
# Configuration errors name their source, nothing is written before the configuration is valid,
# system errors by name, and `tfgw config` shows the effective configuration and its sources.
source "$(dirname "$0")/lib.sh"

# expect_error "description" pattern command...: the command exits non-zero and stderr matches.
expect_error() {
  local what=$1 pattern=$2
  shift 2
  if "$@" >"$WORK/out" 2>"$WORK/err"; then fail "$what: exited 0"; fi
  grep -qE -- "$pattern" "$WORK/err" || fail "$what: stderr was: $(cat "$WORK/err")"
}

SERVE=("${TFGW[@]}" serve --data-dir "$WORK/data" --spool "$WORK/spool")

expect_error "a bad flag value" '^tfgw: --max-sessions: expected an integer in 1\.\.100000, got "abc"$' \
  "${SERVE[@]}" --max-sessions abc
ok "serve --max-sessions abc names the flag and the value"

expect_error "a bad variable" '^tfgw: TFGW_MAX_PEERS: expected an integer in 1\.\.100000, got "-1"$' \
  env TFGW_MAX_PEERS=-1 "${SERVE[@]}"
ok "TFGW_MAX_PEERS=-1 names the variable"

printf '{\n  "maxPeers": 3,\n}\n' >"$WORK/broken.json"
expect_error "bad JSON" "^tfgw: config file $WORK/broken.json: bad JSON: .*\(line 3, column 1\)$" \
  "${SERVE[@]}" --config "$WORK/broken.json"
printf '{"maxSesions": 3}\n' >"$WORK/typo.json"
expect_error "a misspelled key" "unknown setting \"maxSesions\" — did you mean \"maxSessions\"\?" \
  "${SERVE[@]}" --config "$WORK/typo.json"
ok "a JSON syntax error names the file and line; a misspelled key gets a did-you-mean"

expect_error "a bad metrics address" '^tfgw: --metrics-listen: bad address "garbage" \(expected host:port\)$' \
  "${SERVE[@]}" --metrics-listen garbage
expect_error "a bad port" '^tfgw: --listen: bad port in "127\.0\.0\.1:99999"' \
  "${SERVE[@]}" --listen 127.0.0.1:99999
[ ! -e "$WORK/data" ] && [ ! -e "$WORK/spool" ] || fail "a configuration that does not load wrote $(ls "$WORK")"
ok "bad addresses are refused at load time, before the data dir or spool exist"

# A port held by another process: it binds port 0 itself and says which port it got.
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); __import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1]); time.sleep(60)' "$WORK/busy.port" &
PIDS+=($!)
wait_for "[ -s '$WORK/busy.port' ]" || fail "port taken"
BUSY=$(cat "$WORK/busy.port")
expect_error "a port in use" "^tfgw: cannot listen on 127\.0\.0\.1:$BUSY: EADDRINUSE \(address already in use\)$" \
  "${SERVE[@]}" --listen "127.0.0.1:$BUSY"
expect_error "a port in use (spawn)" "^tfgw: cannot listen on 127\.0\.0\.1:$BUSY: EADDRINUSE \(address already in use\)$" \
  "${SERVE[@]}" --listen "127.0.0.1:0" --process-model spawn --listen "127.0.0.1:$BUSY"
expect_error "a metrics port in use" "^tfgw: cannot listen for metrics on 127\.0\.0\.1:$BUSY: EADDRINUSE \(address already in use\)$" \
  "${SERVE[@]}" --listen "127.0.0.1:0" --process-model spawn --metrics-listen "127.0.0.1:$BUSY"
ok "a port in use, the gateway's or the metrics', is named EADDRINUSE with its address"

expect_error "a typo in a variable" 'unknown variable TFGW_MAX_SESIONS ignored — did you mean "TFGW_MAX_SESSIONS"\?' \
  env TFGW_MAX_SESIONS=3 "${TFGW[@]}" config --check --max-peers 0
grep -q -- '--max-peers: expected an integer' "$WORK/err" || fail "config --check names the bad flag"
ok "config --check exits non-zero on a bad value and warns about unknown TFGW_* variables"

"${TFGW[@]}" config --check --max-peers 5 >"$WORK/out" 2>"$WORK/err" || fail "config --check on a good configuration"
[ "$(cat "$WORK/out")" = "configuration OK" ] || fail "one-line OK, got: $(cat "$WORK/out")"
ok "config --check exits 0 with one line when all is well"

printf '{"maxPeers": 7}\n' >"$WORK/good.json"
TFGW_SPARE_SESSIONS=2 "${TFGW[@]}" config --config "$WORK/good.json" --max-sessions 9 --hash s3cret-hash >"$WORK/out" || fail "tfgw config"
grep -qE '^maxSessions +9 +flag --max-sessions$' "$WORK/out" || fail "flag source: $(cat "$WORK/out")"
grep -qE '^spareSessions +2 +env TFGW_SPARE_SESSIONS$' "$WORK/out" || fail "env source"
grep -qE "^maxPeers +7 +file $WORK/good.json$" "$WORK/out" || fail "file source"
grep -qE '^recycleAfter +1000 +default$' "$WORK/out" || fail "default source"
! grep -q 's3cret' "$WORK/out" || fail "the hash is shown"
grep -qE '^hash +"\*+" +flag --hash$' "$WORK/out" || fail "the hash is masked"
ok "tfgw config shows each value with its source, the hash masked"

"${TFGW[@]}" config --json --max-sessions 9 --hash s3cret-hash >"$WORK/out.json" || fail "tfgw config --json"
python3 - "$WORK/out.json" <<'PY' || fail "config --json"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["maxSessions"] == {"value": 9, "source": "flag --max-sessions"}, c["maxSessions"]
assert c["listen"]["source"] == "default"
assert "s3cret" not in json.dumps(c)
PY
ok "tfgw config --json gives value and source per setting, the hash masked"

printf '{"logLevel": "info"}\n' >"$WORK/live.json"
start_server --config "$WORK/live.json"
printf '{"logLevel": "warn"}\n' >"$WORK/live.json"
kill -HUP "$SERVER"
wait_for "grep -q 'configuration reloaded.*logLevel' '$WORK/serve.err'" || fail "the reload that lowers the level to warn logs itself"
grep -q 'WARN  listener.*configuration reloaded' "$WORK/serve.err" || fail "reload line at warn"
ok "SIGHUP's reload line shows even when the reload raises the level to warn"

echo "config.sh: $PASSED passed, 0 failed"
