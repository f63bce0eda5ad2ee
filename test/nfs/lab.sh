# The two-host NFS lab, sourced by test/cli/nfs-two-hosts.sh and by the lab's bench.
# A network namespace with a bridge (10.250.0.1, the NFS server) and two User-mode Linux
# kernels (hostA 10.250.0.11, hostB 10.250.0.12), each with its own NFS client mounting one
# nfs-ganesha export at /mnt and running this checkout's bin/tfgw (visible through hostfs).
# Clients run in the namespace. Everything has a time limit; lab_stop (on any exit) ends
# the kernels and servers by process id and deletes the namespace.
# Needs root, /dev/net/tun and: nfs-ganesha nfs-ganesha-vfs rpcbind nfs-common user-mode-linux
# kmod gcc libc6-dev (a C compiler for test/nfs/uml-xstate.c).
LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_NS=tfgwlab$$
LAB_SERVER=10.250.0.1
LAB_EXPORT_NAME=export
# Mount options of the hosts; the README's operating section names the same.
LAB_MOUNT_OPTS=${LAB_MOUNT_OPTS:-vers=4.2,actimeo=1}
# Seconds any one kernel or NFS server may live: the whole lab stays under five minutes.
LAB_TIME_LIMIT=${LAB_TIME_LIMIT:-280}
LAB_PORT=10346
LAB_PIDS=()
declare -A LAB_ADDR=([hostA]=10.250.0.11 [hostB]=10.250.0.12)
declare -A LAB_TAP=([hostA]=tapa [hostB]=tapb)
declare -A LAB_KERNEL=()

lab_die() {
  echo "not ok - lab: $1" >&2
  exit 1
}

lab_ns() { ip netns exec "$LAB_NS" "$@"; }

# Fails (never skips) when something the lab needs is missing.
lab_require() {
  [ "$(id -u)" = 0 ] || lab_die "needs root (network namespace, tap devices)"
  [ -c /dev/net/tun ] || lab_die "no /dev/net/tun"
  local cmd
  for cmd in ip unshare timeout linux.uml ganesha.nfsd rpcbind perl; do
    command -v "$cmd" >/dev/null || lab_die "missing $cmd (apt-get install nfs-ganesha nfs-ganesha-vfs rpcbind nfs-common user-mode-linux kmod)"
  done
  [ -x /sbin/mount.nfs ] || [ -x /usr/sbin/mount.nfs ] || lab_die "missing mount.nfs (nfs-common)"
  command -v cc >/dev/null || lab_die "missing cc, for test/nfs/uml-xstate.c (apt-get install gcc libc6-dev)"
  [ -d "/usr/lib/uml/modules" ] || lab_die "missing the UML kernel's modules"
  [ -f "$LAB_ROOT/dist/src/cli/main.js" ] || lab_die "not built (npm run build:test)"
}

lab_write_ganesha_conf() {
  cat >"$LAB/ganesha.conf" <<EOF
NFS_CORE_PARAM { Protocols = 3, 4; NFS_Port = 2049; MNT_Port = 20048; Enable_NLM = false; Enable_RQUOTA = false; Bind_addr = $LAB_SERVER; }
NFSV4 { Graceless = true; Minor_Versions = 0, 1, 2; RecoveryBackend = fs; RecoveryRoot = $LAB/recovery; }
NFS_KRB5 { Active_krb5 = false; }
EXPORT {
  Export_Id = 1; Path = $LAB_EXPORT; Pseudo = $LAB_EXPORT;
  Access_Type = RW; Squash = No_Root_Squash; SecType = sys; Transports = TCP;
  FSAL { Name = VFS; }
}
EOF
}

lab_network() {
  ip netns add "$LAB_NS" || lab_die "cannot create network namespace $LAB_NS"
  lab_ns ip link set lo up
  lab_ns ip link add br0 type bridge
  lab_ns ip addr add "$LAB_SERVER/24" dev br0
  lab_ns ip link set br0 up
  local host
  for host in hostA hostB; do
    lab_ns ip tuntap add dev "${LAB_TAP[$host]}" mode tap
    lab_ns ip link set "${LAB_TAP[$host]}" master br0 up
  done
}

# One host: a kernel in its own session (so that its helper processes share its id as group).
lab_boot() {
  local host=$1 dir="$LAB/$1"
  mkdir -p "$dir"
  cat >"$dir/conf" <<EOF
HOST=$host
ADDR=${LAB_ADDR[$host]}
SERVER=$LAB_SERVER
EXPORT=$LAB_EXPORT
MOUNT_OPTS=$LAB_MOUNT_OPTS
CTL=$dir
EOF
  TMPDIR="$LAB_SHM" setsid timeout -k 5 "$LAB_TIME_LIMIT" ip netns exec "$LAB_NS" \
    env LD_PRELOAD="$LAB/uml-xstate.so" linux.uml \
    mem=512M root=/dev/root rootfstype=hostfs rootflags=/ rw init="$LAB_ROOT/test/nfs/uml-init.sh" \
    LABCONF="$dir/conf" "eth0=tuntap,${LAB_TAP[$host]}" con=null con0=fd:0,fd:1 \
    "umid=$LAB_NS-$host" "uml_dir=$LAB/uml" </dev/null >"$dir/console.log" 2>&1 &
  LAB_KERNEL[$host]=$!
  LAB_PIDS+=($!)
}

lab_wait_mounted() {
  local host=$1 dir="$LAB/$1"
  local deadline=$((SECONDS + 120))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ -e "$dir/state.mounted" ] && return 0
    if [ -e "$dir/state.mount-failed" ] || ! kill -0 "${LAB_KERNEL[$host]}" 2>/dev/null; then
      tail -n 20 "$dir/console.log" "$dir/boot.err" >&2 2>/dev/null
      lab_die "$host did not mount the export (refusing to run on hostfs's /mnt)"
    fi
    sleep 0.1
  done
  lab_die "$host: no NFS mount within 120 s"
}

# Starts the NFS server and both hosts; returns once both have the export mounted.
lab_start() {
  LAB_STARTED=$SECONDS
  lab_require
  LAB=$(mktemp -d /tmp/tfgw-nfslab.XXXXXX)
  LAB_EXPORT=$LAB/$LAB_EXPORT_NAME
  mkdir -p "$LAB_EXPORT" "$LAB/recovery" "$LAB/uml"
  # Lets the kernel run on hosts with a larger XSAVE area than it knows (see the file).
  cc -O2 -shared -fPIC -o "$LAB/uml-xstate.so" "$LAB_ROOT/test/nfs/uml-xstate.c" -ldl ||
    lab_die "cannot build test/nfs/uml-xstate.c"
  # The kernels' memory files: in RAM, not on disk.
  LAB_SHM=$(mktemp -d /dev/shm/tfgw-nfslab.XXXXXX)
  # One key pair and hash for both hosts, made here: RSA key generation inside UML is slow.
  node "$LAB_ROOT/bin/tfgw" keygen --out "$LAB/data" >/dev/null || lab_die "keygen failed"
  (umask 077 && printf 'nfs-lab-%s\n' "$RANDOM$RANDOM" >"$LAB/data/hash")
  # After lib.sh's cleanup, if sourced: the kernels first, then the scratch directory.
  if declare -F cleanup >/dev/null; then trap 'lab_stop; cleanup' EXIT; else trap lab_stop EXIT; fi
  trap 'exit 143' TERM INT
  lab_network
  lab_write_ganesha_conf
  setsid timeout -k 5 "$LAB_TIME_LIMIT" ip netns exec "$LAB_NS" unshare -m --propagation private \
    bash "$LAB_ROOT/test/nfs/servers.sh" "$LAB" >"$LAB/servers.log" 2>&1 &
  LAB_SERVERS=$!
  LAB_PIDS+=($!)
  local up=0
  for _ in $(seq 1 100); do
    if lab_ns bash -c "exec 3<>/dev/tcp/$LAB_SERVER/2049" 2>/dev/null; then up=1; break; fi
    sleep 0.1
  done
  [ "$up" = 1 ] || { tail -n 20 "$LAB/ganesha.log" "$LAB/servers.log" >&2 2>/dev/null; lab_die "nfs-ganesha did not start"; }
  lab_boot hostA
  lab_boot hostB
  lab_wait_mounted hostA
  lab_wait_mounted hostB
  echo "# lab: both hosts mounted the export $((SECONDS - LAB_STARTED)) s after the start"
}

# lab_run HOST 'commands' [seconds]: runs the commands as root on HOST, prints their output,
# returns their status.
lab_run() {
  local host=$1 script=$2 limit=${3:-60} dir="$LAB/$1"
  # Unique without a counter: lab_run also runs in subshells (pipelines).
  local req="$dir/req-$(date +%s%N)"
  if [ "$script" = halt ]; then req="$dir/req-halt"; script=true; fi
  printf 'cd %q\n%s\n' "$LAB_ROOT" "$script" >"$req.tmp"
  mv "$req.tmp" "$req.sh"
  for _ in $(seq 1 $((limit * 10))); do
    if [ -e "$req.rc" ]; then
      cat "$req.out"
      return "$(cat "$req.rc")"
    fi
    kill -0 "${LAB_KERNEL[$host]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "lab: $host did not answer request $req within $limit s" >&2
  return 124
}

# lab_serve HOST [flags...]: starts tfgw serve on HOST with its spool on the NFS mount.
lab_serve() {
  local host=$1 dir="$LAB/$1"
  shift
  rm -f "$dir/serve.out" "$dir/serve.err" "$dir/serve.pid" "$dir/serve.rc"
  lab_run "$host" "grep -q ' /mnt nfs' /proc/mounts || { echo 'refusing: /mnt is not NFS'; exit 1; }
sh -c 'env ${LAB_SERVE_ENV:-} node bin/tfgw serve --listen ${LAB_ADDR[$host]}:$LAB_PORT --data-dir $LAB/data \\
  --spool /mnt/spool $* >$dir/serve.out 2>$dir/serve.err </dev/null & echo \$! >$dir/serve.pid; wait \$!; echo \$? >$dir/serve.rc' >/dev/null 2>&1 &
for _ in \$(seq 1 50); do [ -s $dir/serve.pid ] && exit 0; sleep 0.1; done; exit 1" || lab_die "$host: cannot start tfgw serve"
  local deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if grep -q 'public key' "$dir/serve.out" 2>/dev/null; then
      echo "# lab: tfgw serve ready on $host $((SECONDS - LAB_STARTED)) s after the start"
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$dir/serve.err" >&2
  lab_die "$host: tfgw serve did not start within 60 s"
}

# The listener's pid and its session processes' on HOST, by parent pid.
LAB_SERVER_TREE='pid=$(cat '"\$CTL"'/serve.pid); pids="$pid"; for s in /proc/[0-9]*/stat; do read -r p _ _ pp _ <"$s" 2>/dev/null || continue; [ "$pp" = "$pid" ] && pids="$pids $p"; done'

# lab_kill_server HOST: SIGKILL of the listener and every session process on HOST.
lab_kill_server() {
  lab_run "$1" "CTL=$LAB/$1; $LAB_SERVER_TREE; kill -KILL \$pids; echo killed \$pids"
}

# lab_stop_server HOST: SIGTERM to the listener; returns its exit status once it has exited.
lab_stop_server() {
  local dir="$LAB/$1"
  lab_run "$1" "kill -TERM \$(cat $dir/serve.pid)" >/dev/null || return 1
  for _ in $(seq 1 300); do
    [ -e "$dir/serve.rc" ] && return "$(cat "$dir/serve.rc")"
    sleep 0.1
  done
  echo "lab: tfgw serve on $1 did not exit within 30 s of SIGTERM" >&2
  return 1
}

lab_stop() {
  local status=$?
  set +e
  # A second signal must not cut the cleanup short.
  trap '' TERM INT
  local host
  for host in "${!LAB_KERNEL[@]}"; do
    kill -0 "${LAB_KERNEL[$host]}" 2>/dev/null && lab_run "$host" halt 10 >/dev/null 2>&1 &
  done
  wait_kernels=0
  for _ in $(seq 1 50); do
    wait_kernels=0
    for host in "${!LAB_KERNEL[@]}"; do kill -0 "${LAB_KERNEL[$host]}" 2>/dev/null && wait_kernels=1; done
    [ "$wait_kernels" = 0 ] && break
    sleep 0.1
  done
  # Each was started with setsid: its pid is its process group, UML's helpers included.
  for pid in "${LAB_PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  sleep 0.5
  for pid in "${LAB_PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$LAB_NS" 2>/dev/null
  [ -n "${LAB_SHM:-}" ] && rm -rf "$LAB_SHM"
  if [ -n "${LAB:-}" ]; then
    if [ "$status" != 0 ] && [ -n "${LAB_KEEP_ON_FAILURE:-}" ]; then echo "lab: kept $LAB" >&2; else rm -rf "$LAB"; fi
  fi
  return "$status"
}
