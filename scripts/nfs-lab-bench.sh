#!/usr/bin/env bash
# Cross-host figures from the two-host NFS lab (test/nfs/lab.sh): tfgw serve on hostA and
# hostB (User-mode Linux kernels, one nfs-ganesha export as the spool), `tfgw bench` run in
# the lab's namespace. Senders connect to A; with --peer-host the receivers connect to B, so
# every message crosses hosts; the same run with both ends on A is the in-lab comparison.
# Prints each bench's JSON on a line of its own. A benchmark, not a test; needs root.
# Usage: npm run build && bash scripts/nfs-lab-bench.sh [extra serve flags]
set -euo pipefail
source "$(dirname "$0")/../test/nfs/lab.sh"
read -r -a SERVE_FLAGS <<<"--spare-sessions 4 --log-level warn $*"

lab_start
lab_serve hostA "${SERVE_FLAGS[@]}"
lab_serve hostB "${SERVE_FLAGS[@]}"
echo "# mount: $(cut -d' ' -f3,4 "$LAB/hostA/mount.txt")" >&2

bench() {
  lab_ns node "$LAB_ROOT/bin/tfgw" bench "$@" --host "${LAB_ADDR[hostA]}" --port "$LAB_PORT" \
    --data-dir "$LAB/data" --json --no-progress --connect-timeout 30000
}
for peer in hostB hostA; do
  echo "{\"case\":\"latency 64 B, receiver on $peer\",\"bench\":$(bench latency --count 100 --warmup 10 --peer-host "${LAB_ADDR[$peer]}")}"
  echo "{\"case\":\"throughput 1 KiB x 2 pairs, receivers on $peer\",\"bench\":$(bench throughput --pairs 2 --messages 1000 --size 1024 --peer-host "${LAB_ADDR[$peer]}")}"
done
