#!/usr/bin/env bash
# The lab's NFS server: rpcbind and nfs-ganesha, run inside the lab's network namespace
# with a private /run, so their sockets and pid files stay off the outer machine.
# Usage (by lab.sh): ip netns exec NS unshare -m --propagation private bash servers.sh LAB_DIR
# Writes LAB_DIR/servers.pids; ends both on SIGTERM.
set -euo pipefail
LAB=$1
mount -t tmpfs tmpfs /run
mkdir -p /run/rpcbind /run/ganesha

PIDS=()
stop() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  exit 0
}
trap stop TERM INT EXIT

rpcbind -w -f >"$LAB/rpcbind.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do [ -S /run/rpcbind.sock ] && break; sleep 0.1; done

ganesha.nfsd -F -f "$LAB/ganesha.conf" -L "$LAB/ganesha.log" -p /run/ganesha/ganesha.pid -N NIV_EVENT &
PIDS+=($!)
printf '%s\n' "${PIDS[@]}" >"$LAB/servers.pids"
wait
