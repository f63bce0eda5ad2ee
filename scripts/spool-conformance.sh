#!/usr/bin/env bash
# Checks a running server's spool against docs/SPOOL.md (version 1) from the outside,
# with nothing but shell tools, so that the spec and the server can be held to each
# other and an operator can check a live spool: layout, names, owner and permissions,
# liveness of every identity, and — with --deliver — that a message written by the
# writer's rules is taken out of the inbox. Prints one `ok N - …` line per check that
# holds and a `not ok - …` line per check that does not; exits 0 only if all hold.
set -u
export LC_ALL=C # byte-wise ranges and lengths, as the spec's grammar means them
shopt -s nullglob dotglob

usage() {
  echo "usage: $0 [--deliver IDENTITY-NAME] [--message TEXT] [--timeout SECONDS] [--stale-ms MS] SPOOL" >&2
  exit 2
}

DELIVER='' MESSAGE="spool-conformance $$" TIMEOUT=5 STALE_MS=10000 SPOOL=''
while [ $# -gt 0 ]; do
  case "$1" in
    --deliver) [ $# -ge 2 ] || usage; DELIVER=$2; shift 2 ;;
    --message) [ $# -ge 2 ] || usage; MESSAGE=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
    --stale-ms) [ $# -ge 2 ] || usage; STALE_MS=$2; shift 2 ;;
    -h | --help) usage ;;
    -*) usage ;;
    *) [ -z "$SPOOL" ] || usage; SPOOL=${1%/}; shift ;;
  esac
done
[ -n "$SPOOL" ] || usage

# The grammar of SPOOL.md, as extended regular expressions.
PLAIN_NAME='^[A-Za-z0-9_@+=,:-][A-Za-z0-9_@+=,:.~-]*$'
BASE64_NAME='^~b\.[A-Za-z0-9_-]+$'
HASH_NAME='^~h\.[0-9a-f]{64}$'
NODE_ID='[a-z0-9][a-z0-9_-]{0,62}'
CLAIM_NAME="^$NODE_ID\\.[1-9][0-9]{0,9}-[0-9a-z]+-[1-9][0-9]*\$"
RUN_NAME="^\\.?$NODE_ID\\.[1-9][0-9]{0,9}\\.json(\\.tmp)?\$"
FORMAT_LINE='^tfgw-spool 2\.(0|[1-9][0-9]{0,5})$'
# This host's node id, as tfgw serve derives it (TFGW_NODE_ID wins): holders of other
# nodes cannot be checked by pid from here.
THIS_NODE=${TFGW_NODE_ID:-$(hostname | tr 'A-Z' 'a-z' | sed -e 's/[^a-z0-9_-]/-/g' -e 's/^[^a-z0-9]*//' | cut -c1-63)}
[ -n "$THIS_NODE" ] || THIS_NODE=node
# The two message-name patterns of §7.2 (tfgw's own is §3.3). A reader takes any name;
# these are what keep names unique across writers, so a name in neither is noted.
TFGW_MESSAGE_NAME="^[0-9]{13}-[0-9]{7}-[0-9]{10}\\.$NODE_ID(\\.batch)?\$"
MAILDIR_MESSAGE_NAME='^[0-9]{13}\.[^./:]+\.[^/:]+$'

CHECKS=0
FAILED=0
PROBLEMS=()
NOTES=()

# report DESCRIPTION: one line for the check just made, from the problems it found.
# Checks are numbered in the order they run, failed ones included.
report() {
  CHECKS=$((CHECKS + 1))
  if [ ${#PROBLEMS[@]} -eq 0 ]; then
    echo "ok $CHECKS - $1"
  else
    FAILED=$((FAILED + 1))
    local joined
    printf -v joined '%s; ' "${PROBLEMS[@]}"
    echo "not ok - $1: ${joined%; }"
  fi
  PROBLEMS=()
  # Comments, not checks: what the spec allows but advises against.
  [ ${#NOTES[@]} -eq 0 ] || printf '# note: %s\n' "${NOTES[@]}"
  NOTES=()
}
problem() { PROBLEMS+=("$1"); }
note() { NOTES+=("$1"); }

is_message_name() { [[ $1 =~ $TFGW_MESSAGE_NAME ]] || [[ $1 =~ $MAILDIR_MESSAGE_NAME ]]; }

# GNU stat first, then the BSD spelling.
file_mode() { stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"; }
file_uid() { stat -c %u "$1" 2>/dev/null || stat -f %u "$1"; }
file_mtime() { stat -c %Y "$1" 2>/dev/null || stat -f %m "$1"; }

is_identity_name() {
  local name=$1
  if [[ $name =~ $HASH_NAME ]]; then return 0; fi
  if [[ $name =~ $BASE64_NAME ]]; then [ ${#name} -le 203 ]; return; fi
  [[ $name =~ $PLAIN_NAME ]] && [ ${#name} -le 200 ] && [[ $name != '~'* ]]
}

# A process exists (kill -0 refused for another user's process still means it exists).
pid_alive() {
  local out
  out=$(kill -0 "$1" 2>&1) && return 0
  case "$out" in *ermitted*) return 0 ;; esac
  return 1
}

check_root() {
  if [ ! -d "$SPOOL" ] || [ -L "$SPOOL" ]; then
    echo "not ok - $SPOOL is a directory (not a link)"
    exit 1
  fi
  [ "$(file_uid "$SPOOL")" = "$(id -u)" ] || problem "owned by uid $(file_uid "$SPOOL"), not $(id -u)"
  [ "$(file_mode "$SPOOL")" = 700 ] || problem "mode $(file_mode "$SPOOL"), not 700"
  report "the spool root is owned by the current user with mode 0700"
}

check_format() {
  local line=''
  if [ ! -f "$SPOOL/.format" ]; then
    problem "no regular file .format"
  elif ! IFS= read -r line <"$SPOOL/.format" && [ -z "$line" ]; then
    problem ".format is empty"
  elif ! [[ $line =~ $FORMAT_LINE ]]; then
    problem ".format reads '$line', not 'tfgw-spool 2.<minor>'"
  fi
  report ".format is present and names major version 2"
}

check_hidden_dirs() {
  local dir
  for dir in .inboxes .locks .tmp .run .nodes; do
    if [ -L "$SPOOL/$dir" ] || [ ! -d "$SPOOL/$dir" ]; then
      problem "$dir is not a directory"
    elif [ "$(file_uid "$SPOOL/$dir")" != "$(id -u)" ]; then
      problem "$dir is not owned by the current user"
    fi
  done
  report ".inboxes, .locks, .tmp, .run and .nodes are present"
}

# Everything at the root that does not start with a dot is an identity link.
check_root_entries() {
  local path name target
  for path in "$SPOOL"/*; do
    name=${path##*/}
    case "$name" in .*) continue ;; esac
    if [ ! -L "$path" ]; then
      [ -e "$path" ] && problem "'$name' is not a symbolic link"
      continue
    fi
    is_identity_name "$name" || problem "'$name' is not an identity name"
    target=$(readlink "$path") || continue
    [[ $target =~ ^\.inboxes/ ]] && [[ ${target#.inboxes/} =~ $CLAIM_NAME ]] ||
      problem "'$name' points to '$target', not .inboxes/<claim>"
  done
  report "the root holds only identity links to .inboxes/<claim> and dot-entries"
}

# check_link NAME: the link's inbox exists, is held, and its holder is alive.
check_link() {
  local name=$1 inbox="$SPOOL/$1" claim node pid age record
  claim=$(readlink "$inbox") || return 0 # left meanwhile
  # A link elsewhere is the root check's finding, and is never followed.
  [[ $claim =~ ^\.inboxes/ ]] && [[ ${claim#.inboxes/} =~ $CLAIM_NAME ]] || return 0
  claim=${claim#.inboxes/}
  if [ ! -d "$inbox/" ]; then
    [ -L "$inbox" ] && problem "'$name' dangles (no $claim)"
    return 0
  fi
  [ -f "$inbox/owner.json" ] || { problem "'$name' has no owner.json"; return 0; }
  [ -d "$inbox/.lock" ] || { problem "'$name' has no .lock/"; return 0; }
  # JSON without its blanks (identity names and pids contain none).
  record=$(tr -d ' \t\n\r' <"$inbox/owner.json")
  [[ $record == *"\"name\":\"$name\""* ]] || problem "owner.json of '$name' names another identity"
  node=${claim%%.*}
  pid=${claim#*.}
  pid=${pid%%-*}
  [[ $record =~ \"pid\":$pid[,}] ]] || problem "owner.json of '$name' does not name pid $pid"
  [[ $record == *"\"node\":\"$node\""* ]] || problem "owner.json of '$name' does not name node $node"
  # Another node's holder: its pid means nothing here and its clock is not ours.
  [ "$node" = "$THIS_NODE" ] || return 0
  pid_alive "$pid" || problem "the holder of '$name' (pid $pid) is not running"
  age=$(($(date +%s) - $(file_mtime "$inbox/.lock")))
  [ $((age * 1000)) -le "$STALE_MS" ] || problem "the lock of '$name' is ${age}s old (stale after ${STALE_MS}ms)"
}

check_links() {
  local path name
  for path in "$SPOOL"/*; do
    name=${path##*/}
    case "$name" in .*) continue ;; esac
    [ -L "$path" ] && check_link "$name"
  done
  report "every identity link leads to an inbox with owner.json and a fresh .lock/, held by a live process"
}

# What an inbox may hold at rest: messages (regular files) and its bookkeeping.
check_inboxes() {
  local path name entry base
  for path in "$SPOOL/.inboxes"/*; do
    name=${path##*/}
    [[ $name =~ $CLAIM_NAME ]] || problem ".inboxes/$name is not a claim name"
    [ -d "$path" ] && [ ! -L "$path" ] || { problem ".inboxes/$name is not a directory"; continue; }
    for entry in "$path"/*; do
      base=${entry##*/}
      case "$base" in .* | owner.json) continue ;; esac
      [ -f "$entry" ] && [ ! -L "$entry" ] || problem ".inboxes/$name/$base is not a regular file"
      [ ${#base} -le 255 ] || problem ".inboxes/$name/$base is longer than 255 bytes"
      is_message_name "$base" ||
        note ".inboxes/$name/$base follows neither message-name pattern of SPOOL.md §7.2 (<ms>-<pid>-<seq>, <ms>.<unique>.<host>)"
    done
    [ -e "$path/.blanks" ] || [ -L "$path/.blanks" ] || continue
    [ -d "$path/.blanks" ] && [ ! -L "$path/.blanks" ] || { problem ".inboxes/$name/.blanks is not a directory"; continue; }
    for entry in "$path/.blanks"/*; do
      # A writer may take a slot's file meanwhile (SPOOL.md §8.3).
      [ -e "$entry" ] || continue
      base=${entry##*/}
      [[ $base =~ ^([0-9]|[1-5][0-9]|6[0-3]|clearing)$ ]] || problem ".inboxes/$name/.blanks/$base is not a slot (0 to 63)"
    done
  done
  report "inboxes have claim names and hold only messages (regular files) and bookkeeping"
}

check_bookkeeping_names() {
  local path name
  for path in "$SPOOL/.run"/*; do
    name=${path##*/}
    [[ $name =~ $RUN_NAME ]] || problem ".run/$name is not <node>.<pid>.json"
  done
  for path in "$SPOOL/.locks"/*; do
    name=${path##*/}
    is_identity_name "${name%.lock}" && [ "$name" != "${name%.lock}" ] || problem ".locks/$name is not <identity>.lock"
  done
  for path in "$SPOOL/.tmp"/*; do
    [ -d "$path" ] && [ ! -L "$path" ] || problem ".tmp/${path##*/} is not a directory"
  done
  report "run records, identity locks and staging directories are named as specified"
}

# Writes one message by the writer's rules and waits for the reader to take it.
check_delivery() {
  local link="$SPOOL/$DELIVER" stage="$SPOOL/.tmp/ext-conformance-$$" ms name tries moved=0
  if [ ! -L "$link" ]; then
    problem "nobody holds '$DELIVER' (no link)"
  elif [ -e "$link/.full" ]; then
    problem "the inbox of '$DELIVER' is full"
  else
    ms=$(date +%s%3N)
    [[ $ms =~ ^[0-9]{13}$ ]] || ms="$(date +%s)000"
    # This script is another writer: the Maildir style is its pattern (§7.2).
    name=$(printf '%013d.P%dQ%010d.%s' "$ms" "$$" 1 "$THIS_NODE")
    [[ $name =~ $MAILDIR_MESSAGE_NAME ]] || problem "the host name makes '$name', not a Maildir-style name"
    # A sweep may remove a stale-looking staging directory: make it again and retry.
    for _ in 1 2 3; do
      mkdir -p -m 0700 "$stage" && printf '%s' "$MESSAGE" 2>/dev/null >"$stage/$name" &&
        mv "$stage/$name" "$link/$name" 2>/dev/null && moved=1 && break
    done
    if [ "$moved" = 0 ]; then
      problem "could not rename the message into '$DELIVER'"
    else
      tries=$((TIMEOUT * 10))
      while [ -e "$link/$name" ] && [ $tries -gt 0 ]; do
        sleep 0.1
        tries=$((tries - 1))
      done
      [ ! -e "$link/$name" ] || problem "$name still in the inbox after ${TIMEOUT}s"
    fi
    rm -f "$stage/$name"
    rmdir "$stage" 2>/dev/null
  fi
  report "a message written to .tmp/ and renamed into '$DELIVER' is delivered and removed"
}

check_root
check_format
check_hidden_dirs
check_root_entries
check_links
check_inboxes
check_bookkeeping_names
[ -z "$DELIVER" ] || check_delivery
[ "$FAILED" -eq 0 ]
