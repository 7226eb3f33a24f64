#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# PID 1 of the test VM.  The root file system is the host's /, shared
# read-only over 9p, so every tool installed on the host and the project's
# build tree are here.  The host passes the job through a second, writable
# 9p share ("flowdout"), which also carries the script's log and exit
# status back.  Whatever happens, the VM powers off at the end.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

out=/run/flowd-out

# The kernel has no ACPI, so "power off" would only halt: reboot instead,
# which QEMU's -no-reboot turns into an exit.  PID 1 must not exit (that
# panics the kernel) while it happens: wait with builtins only.
poweroff_now() {
	sync
	echo b >/proc/sysrq-trigger
	while :; do :; done
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=0755 run /run
mkdir -p /run/lock /run/tmp "$out"
mount -t tmpfs shm /dev/shm 2>/dev/null
mkdir -p /dev/pts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
# bash process substitution <(...) needs /dev/fd.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 flowdout "$out"; then
	echo "guest-init: cannot mount the job share" >&2
	poweroff_now
fi

# shellcheck source=/dev/null
. "$out/job"

# A writable /tmp and /var/tmp, except where the project, its build or the
# script lives under one of them on the host (a clone may): a tmpfs would
# hide it, so that one stays the host's, read-only, and TMPDIR serves.
tmpfs_unless_needed() {
	local dir=$1 path
	for path in "$FLOWD_TOP" "$FLOWD_BUILD" "$FLOWD_SCRIPT"; do
		case "$path/" in
		"$dir"/*) return 0 ;;
		esac
	done
	mount -t tmpfs "${dir//\//}" "$dir"
}
tmpfs_unless_needed /tmp
tmpfs_unless_needed /var/tmp
export TMPDIR=/run/tmp

# No RTC in the guest: take the host's clock so logs and file times agree.
[ -n "$FLOWD_HOST_TIME" ] && date -s "@$FLOWD_HOST_TIME" >/dev/null
hostname flowd-vm
ip link set lo up

echo "guest-init: running $FLOWD_SCRIPT" >/dev/console
cd "$FLOWD_TOP" || poweroff_now
bash "$FLOWD_SCRIPT" "${FLOWD_ARGS[@]}" >"$out/log" 2>&1 </dev/null
status=$?
dmesg >"$out/dmesg" 2>/dev/null
echo "$status" >"$out/status.tmp" && mv "$out/status.tmp" "$out/status"
echo "guest-init: $FLOWD_SCRIPT exited $status" >/dev/console
poweroff_now
