#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The test command three times in a row, each from a fresh clone of HEAD,
# as CI would meet it on a new or busy machine:
#   run 1  an empty kernel cache (FLOWD_VM_CACHE in a new directory), so
#          every kernel, tool and chroot is built from nothing, and a second
#          heavy process on both cores for the whole run: kernel builds at
#          normal priority, one after the other, in a throw-away object
#          directory, from a tree of their own;
#   runs 2 and 3  the cache run 1 filled, nothing else running.
# Each run's output goes to WORK/runN.log; the summary gives its wall time,
# exit code and last line.  Exits non-zero unless all runs passed.
#
#   tests/ci-proof.sh [--runs LIST] [WORK]   (default /var/tmp/flowd-ci-proof; root)
#
# --runs takes some of them, in the order given (e.g. 1 or 2,3): without
# run 1, the cache of an earlier run 1 in WORK is used as it is.  The
# load's tree is unpacked from the tarball the kernels are built from
# (FLOWD_KERNEL_TARBALL, default that of linux-source-6.12).
set -uo pipefail

runs=(1 2 3)
if [ "${1:-}" = --runs ]; then
	IFS=, read -ra runs <<<"${2:-}"
	shift 2
fi
for run in "${runs[@]}"; do
	case $run in
	1 | 2 | 3) ;;
	*) echo "ci-proof: --runs takes 1, 2 and 3, comma-separated, not '$run'" >&2; exit 2 ;;
	esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/var/tmp/flowd-ci-proof}
cache=$work/cache
mkdir -p "$work" || exit 1
if [[ " ${runs[*]} " == *" 1 "* ]]; then
	rm -rf "${cache:?}"
	mkdir -p "$cache" || exit 1
elif [ ! -d "$cache/images" ]; then
	echo "ci-proof: no cache of a run 1 in $work: run 1 first" >&2
	exit 2
fi
for run in "${runs[@]}"; do
	rm -rf "$work/clone-$run"
done
rm -rf "$work/load-obj"

load_pid=
stop_load() {
	[ -n "$load_pid" ] || return 0
	# The loop and the make under it (its own process group).
	kill -- -"$load_pid" 2>/dev/null
	wait "$load_pid" 2>/dev/null
	load_pid=
}
trap stop_load EXIT

# start_load: kernel builds on both cores until stop_load, from a tree of
# their own: the cache's is not there yet when run 1 starts.
start_load() {
	local tree=$work/load-tree
	local tarball=${FLOWD_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
	if [ ! -f "$tree/Makefile" ]; then
		[ -f "$tarball" ] || {
			echo "ci-proof: $tarball not found for the load (tests/setup-host.sh installs it)" >&2
			return 1
		}
		rm -rf "$tree" && mkdir -p "$tree" &&
			tar -xf "$tarball" -C "$tree" --strip-components=1 || return 1
	fi
	set -m
	(
		while :; do
			rm -rf "$work/load-obj"
			make -s -C "$tree" O="$work/load-obj" tinyconfig >/dev/null 2>&1
			make -s -C "$tree" O="$work/load-obj" -j"$(nproc)" vmlinux >/dev/null 2>&1
		done
	) &
	load_pid=$!
	set +m
}

summary=() all_ok=1
for run in "${runs[@]}"; do
	clone=$work/clone-$run
	git clone -q "$top" "$clone" || exit 1
	if [ "$run" -eq 1 ]; then
		start_load || exit 1
	fi
	start=$(date +%s)
	(cd "$clone" && FLOWD_VM_CACHE=$cache .ci/run) >"$work/run$run.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	[ "$run" -eq 1 ] && stop_load
	[ $rc -eq 0 ] || all_ok=0
	summary+=("run $run: rc $rc, $((secs / 60)) min $((secs % 60)) s, $(tail -n1 "$work/run$run.log")")
	echo "${summary[-1]}"
done
echo "---- ci-proof (logs in $work)"
printf '%s\n' "${summary[@]}"
[ $all_ok -eq 1 ]
