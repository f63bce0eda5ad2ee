#!/bin/bash
# PID 1 of one lab host, a User-mode Linux kernel whose root is the outer machine's / (hostfs).
# It reads its settings from LABCONF (a NAME=value word on the kernel command line: whole
# commands there would be parsed as kernel options), loads the NFS client, brings up eth0,
# mounts the export on /mnt and then runs the requests the lab drops into its control
# directory (req-N.sh -> req-N.out, req-N.rc), until a request named req-halt.sh.
export PATH=/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin
set -u
# shellcheck source=/dev/null
. "$LABCONF"   # HOST ADDR SERVER EXPORT MOUNT_OPTS CTL

poweroff() {
  sync
  umount /mnt 2>/dev/null
  # reboot(2) with LINUX_REBOOT_CMD_POWER_OFF: UML then exits.
  perl -e 'syscall(169, 0xfee1dead, 672274793, 0x4321fedc)'
  sleep 5
}

state() { echo "$1" >"$CTL/state.$1"; }

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmpfs /run
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmpfs /dev/shm 2>/dev/null

MODULES=/usr/lib/uml/modules/$(uname -r)/kernel
for m in fs/netfs/netfs fs/fscache/fscache fs/nfs_common/grace net/sunrpc/sunrpc fs/lockd/lockd \
  fs/nfs_common/nfs_acl fs/nfs/nfs fs/nfs/nfsv3 net/dns_resolver/dns_resolver fs/nfs/nfsv4; do
  insmod "$MODULES/$m.ko" 2>>"$CTL/boot.err"
done

echo "$HOST" >/proc/sys/kernel/hostname
ip link set lo up
ip addr add "$ADDR/24" dev eth0
ip link set eth0 up

# The hostfs trap: without an NFS mount, /mnt here is the outer machine's /mnt.
mounted=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
  if mount -t nfs -o "$MOUNT_OPTS" "$SERVER:$EXPORT" /mnt 2>>"$CTL/boot.err"; then mounted=1; break; fi
  sleep 0.5
done
if [ "$mounted" = 1 ] && grep -q ' /mnt nfs' /proc/mounts; then
  grep ' /mnt nfs' /proc/mounts >"$CTL/mount.txt"
  state mounted
else
  state mount-failed
  poweroff
fi

while :; do
  for req in "$CTL"/req-*.sh; do
    [ -e "$req" ] || continue
    base=${req%.sh}
    # Only names seen in a listing are opened: hostfs keeps negative lookups.
    bash "$req" >"$base.out" 2>&1
    echo $? >"$base.rc.tmp"
    mv "$base.rc.tmp" "$base.rc"
    mv "$req" "$base.done"
    [ "${base##*/}" = req-halt ] && poweroff
  done
  sleep 0.1
done
