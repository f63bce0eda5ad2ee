#!/usr/bin/env bash
# The spool as an interface (docs/SPOOL.md): with a real `tfgw serve` and a connected
# `tfgw receive`, messages are delivered with nothing but printf, head -c, mv and ls,
# under any name, and every foreign-entry case of §8.1 ends as the spec says, leaving
# nothing in the inbox.
source "$(dirname "$0")/lib.sh"

METRICS_PORT=$(free_port)
start_server --metrics-listen "127.0.0.1:$METRICS_PORT"
"${TFGW[@]}" receive bob --format json "${CONN[@]}" >"$WORK/bob.out" 2>"$WORK/bob.err" &
PIDS+=($!)
wait_for "grep -q 'listening as bob' '$WORK/bob.err'" || fail "bob joined"

SPOOL="$WORK/spool"
INBOX="$SPOOL/bob"
# A staging directory of this writer's own, named as §7.1 recommends for other writers.
STAGE="$SPOOL/.tmp/ext-shell-$$"
mkdir -p -m 0700 "$STAGE"

received() { wc -l <"$WORK/bob.out" | tr -d ' '; }
# field N KEY: a field of the Nth message bob printed.
field() {
  python3 -c 'import json,sys; print(json.loads(open(sys.argv[1], encoding="utf-8").read().split("\n")[int(sys.argv[2]) - 1])[sys.argv[3]])' \
    "$WORK/bob.out" "$1" "$2"
}
# put NAME: renames the staged file (or entry) NAME into bob's inbox, through his link.
put() { mv "$STAGE/$1" "$INBOX/$1"; }
# gone NAME: the entry left the inbox (a link test too: a symlink may point nowhere).
gone() { wait_for "[ ! -e '$INBOX/$1' ] && [ ! -L '$INBOX/$1' ]"; }
inbox_ls() { ls -A "$INBOX/" | tr '\n' ' ' | sed 's/ $//'; }

ms=$(date +%s%3N)
name=$(printf '%013d-%07d-%010d' "$ms" "$$" 1)
printf 'from-shell-1' >"$STAGE/$name"
put "$name"
wait_for '[ "$(received)" = 1 ]' || fail "the message in tfgw's own name pattern was delivered"
[ "$(field 1 text)" = 'from-shell-1' ] || fail "bob got its text, got '$(field 1 text)'"
gone "$name" || fail "the delivered file was removed"
ok "a text message written with printf and renamed with mv into the identity's link is delivered and removed"

printf 'from-shell-2' >"$STAGE/hello.txt"
put hello.txt
wait_for '[ "$(received)" = 2 ]' || fail "hello.txt was delivered"
[ "$(field 2 text)" = 'from-shell-2' ] || fail "bob got hello.txt's text, got '$(field 2 text)'"
gone hello.txt || fail "hello.txt was removed"
ok "a file with any name not starting with a dot is a message (hello.txt)"

head -c 524288 /dev/urandom >"$STAGE/blob.bin"
sent_sum=$(sha256sum "$STAGE/blob.bin" | cut -d' ' -f1)
put blob.bin
wait_for '[ "$(received)" = 3 ]' || fail "the 512 KiB file was delivered"
[ "$(field 3 bytes)" = 524288 ] || fail "all 524288 bytes arrived, got $(field 3 bytes)"
got_sum=$(field 3 base64 | base64 -d | sha256sum | cut -d' ' -f1)
[ "$got_sum" = "$sent_sum" ] || fail "the receiver's sha256 $got_sum is the sender's $sent_sum"
gone blob.bin || fail "the 512 KiB file was removed"
ok "a 512 KiB binary file written by head -c arrives whole (sha256 compared on the receiving side)"

maildir="$(date +%s%3N).P$$Q0000000001.$(hostname | tr -d '/:')"
printf 'from another writer' >"$STAGE/$maildir"
put "$maildir"
wait_for '[ "$(received)" = 4 ]' || fail "the Maildir-style name was delivered"
[ "$(field 4 text)" = 'from another writer' ] || fail "bob got the Maildir-style message, got '$(field 4 text)'"
gone "$maildir" || fail "the Maildir-style file was removed"
ok "a message named in the Maildir style of SPOOL.md §7.2 is delivered"

# Foreign entries (§8.1): removed and logged at warn, never delivered, never followed.
printf 'keep me' >"$WORK/target.txt"
mkdir "$STAGE/adir"
printf 'inside' >"$STAGE/adir/inner"
ln -s "$WORK/target.txt" "$STAGE/adir/link-inside"
put adir
gone adir || fail "the directory was removed"
grep -q "removed a foreign inbox entry .*name=adir kind=directory" "$WORK/serve.err" || fail "the directory's removal was logged"
[ "$(cat "$WORK/target.txt")" = 'keep me' ] || fail "a link inside the directory was not followed"
ok "a directory (with a file and a link inside) is removed with its contents and logged, the link's target untouched"

ln -s "$WORK/target.txt" "$STAGE/alink"
put alink
gone alink || fail "the symlink was removed"
grep -q "removed a foreign inbox entry .*name=alink kind=symlink" "$WORK/serve.err" || fail "the symlink's removal was logged"
[ "$(cat "$WORK/target.txt")" = 'keep me' ] || fail "the symlink's target is untouched"
ok "a symbolic link is removed, not followed (its target untouched), and logged"

mkfifo "$STAGE/afifo"
put afifo
gone afifo || fail "the FIFO was removed"
grep -q "removed a foreign inbox entry .*name=afifo kind=fifo" "$WORK/serve.err" || fail "the FIFO's removal was logged"
ok "a FIFO is removed without being opened for I/O, and logged"

head -c 524289 /dev/urandom >"$STAGE/too-big"
put too-big
gone too-big || fail "the oversize file was removed"
grep -q "dropped an inbox file too large to be a message .*name=too-big size=524289" "$WORK/serve.err" ||
  fail "the oversize file was logged with its name and size"
wait_for "curl -sf 'http://127.0.0.1:$METRICS_PORT/metrics' | grep -q '^tfgw_messages_dropped_total{reason=\"too_large\"} 1$'" ||
  fail "the drop was counted: $(curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" | grep dropped)"
ok "a file over 524288 bytes is dropped unread, logged and counted as too_large"

printf '' >"$STAGE/empty"
put empty
wait_for '[ "$(received)" = 5 ]' || fail "the zero-length file was delivered"
[ "$(field 5 bytes)" = 0 ] || fail "as an empty message, got $(field 5 bytes) bytes"
gone empty || fail "the zero-length file was removed"
ok "a zero-length file is delivered as an empty message"

# The empty message came after every foreign entry: had any been delivered, it would be before it.
[ "$(received)" = 5 ] || fail "no foreign entry reached bob: he has $(received) messages"
# .blanks/ holds the files read, cleared for reuse (SPOOL.md §8.3), where the native helper is built.
case "$(inbox_ls)" in '.lock owner.json' | '.blanks .lock owner.json') ;; *) fail "nothing but bookkeeping is left in the inbox, got '$(inbox_ls)'" ;; esac
[ -z "$(ls -A "$STAGE")" ] || fail "the staging directory is empty"
ok "afterwards bob has exactly the five messages and his inbox holds only its bookkeeping"

echo "spool-shell.sh: $PASSED passed, 0 failed"
