#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Boot the test kernel in QEMU, run one script inside and return its exit
# status.  The script's output is printed (or kept in --out DIR).
#
#   tests/vm/run-vm.sh [OPTIONS] SCRIPT [ARGS...]
#
#   --kernel FLAVOUR   stock | patched (default) | debug, see build-kernel.sh
#   --bzimage PATH     boot this image instead of building one
#   --timeout SEC      kill a guest that runs longer (default 300)
#   --icount           deterministic guest time for benchmarks (single vCPU
#                      thread, 1 instruction = 1 ns of guest time)
#   --mem MB, --smp N  guest size (default 1024 MB, 2 vCPUs)
#   --out DIR          keep log, console and dmesg in DIR
#   --quiet            do not print the script's log (status only)
#
# Exit status: the script's, or 124 when the guest hung, or 125 when the
# kernel reported a bug (oops, WARNING, KASAN, UBSAN...) even though the
# script passed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

flavour=patched bzimage= timeout=300 icount=0 mem=1024 smp=2 outdir= quiet=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) flavour=$2; shift 2 ;;
	--bzimage) bzimage=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--out) outdir=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--) shift; break ;;
	-*) echo "run-vm: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -lt 1 ]; then
	echo "usage: run-vm.sh [OPTIONS] SCRIPT [ARGS...]" >&2
	exit 2
fi
script=$(realpath "$1")
shift
[ -r "$script" ] || { echo "run-vm: $script not found" >&2; exit 2; }

if [ -z "$bzimage" ]; then
	bzimage=$("$here/build-kernel.sh" "$flavour") || exit 1
fi

if [ -n "$outdir" ]; then
	mkdir -p "$outdir"
	rm -f "$outdir"/{job,log,status,console.log,dmesg,netns-exec,nft-counters,nft-flowtable-flags,udp-send}
	rm -rf "$outdir/selftests"
	keep=1
else
	outdir=$(mktemp -d "${TMPDIR:-/tmp}/flowd-vm.XXXXXX")
	keep=0
fi
outdir=$(realpath "$outdir")
cleanup() { [ $keep -eq 1 ] || rm -rf "$outdir"; }
trap cleanup EXIT

# The guest's tools, small C programs linked statically (why: see each
# file): lib.sh's in_ns runs tests/vm/netns-exec.c and its nft_counters
# tests/vm/nft-counters.c, instead of `ip netns exec` and `nft list
# counters` (without them the tests fall back to ip and nft: the same,
# only slower); nft-flowtable-flags.c and udp-send.c have no fallback.
# Each is built once per version of its source (and of the header they
# share) into the kernel cache.
vm_tool() {
	local src=$here/$1.c dir sum bin
	dir=${FLOWD_VM_CACHE:-/var/cache/flowd-vm}/tools
	sum=$(cat "$src" "$here/nl-tool.h" | sha256sum | cut -c1-16) || return 1
	bin=$dir/$1-$sum
	if [ ! -x "$bin" ]; then
		mkdir -p "$dir" || return 1
		# Built beside its final name, then renamed: runs in parallel
		# never see half a file.
		if ! gcc -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -o "$bin.$$" "$src"; then
			rm -f "$bin.$$"
			return 1
		fi
		mv -f "$bin.$$" "$bin" || return 1
	fi
	echo "$bin"
}
# guest_tool NAME: NAME built and copied into the job's share, as the
# guest sees it (the cache may be under /tmp or /var/tmp, which the guest
# covers with its own tmpfs); empty, with the reason on stderr, when not.
guest_tool() {
	local bin
	if ! bin=$(vm_tool "$1"); then
		echo "run-vm: building tests/vm/$1.c failed; the guest does without it (slower)" >&2
	elif ! cp "$bin" "$outdir/$1"; then
		echo "run-vm: copying $1 to $outdir failed; the guest does without it (slower)" >&2
	else
		echo "/run/flowd-out/$1"
	fi
}
netns_exec=$(guest_tool netns-exec)
nft_counters=$(guest_tool nft-counters)
nft_ft_flags=$(guest_tool nft-flowtable-flags)
udp_send=$(guest_tool udp-send)
if [ -z "$nft_ft_flags" ] || [ -z "$udp_send" ]; then
	echo "run-vm: the tests need nft-flowtable-flags and udp-send (above)" >&2
	exit 1
fi

# A script that runs the kernel's own selftests (`# vm-selftests: net`)
# gets tools/testing/selftests/net of its kernel's flavour in the share.
guest_selftests=
if grep -q '^# vm-selftests: net' "$script"; then
	selftests=$("$here/selftests.sh" "$flavour") || exit 1
	if ! mkdir -p "$outdir/selftests" || ! cp -r "$selftests/net" "$outdir/selftests/"; then
		echo "run-vm: copying the selftests to $outdir failed" >&2
		exit 1
	fi
	guest_selftests=/run/flowd-out/selftests/net
fi

{
	printf 'FLOWD_TOP=%q\n' "$top"
	printf 'FLOWD_SCRIPT=%q\n' "$script"
	printf 'FLOWD_ARGS=('
	for a in "$@"; do printf '%q ' "$a"; done
	printf ')\n'
	printf 'FLOWD_HOST_TIME=%q\n' "$(date +%s)"
	printf 'export FLOWD_TOP FLOWD_BUILD=%q FLOWD_KERNEL_FLAVOUR=%q\n' \
		"${FLOWD_BUILD:-$top}" "$flavour"
	printf 'export FLOWD_NETNS_EXEC=%q\n' "$netns_exec"
	printf 'export FLOWD_NFT_COUNTERS=%q\n' "$nft_counters"
	printf 'export FLOWD_NFT_FT_FLAGS=%q FLOWD_UDP_SEND=%q\n' "$nft_ft_flags" "$udp_send"
	printf 'export FLOWD_SELFTESTS=%q\n' "$guest_selftests"
	# Benchmarks need to know whether guest time counts instructions.
	printf 'export FLOWD_ICOUNT=%q\n' "$icount"
	# How much slower than on a quiet host the guest may run: 1 + the
	# host's runnable load per core (other VMs, builds), at most 6.  Tests
	# scale their deadlines by it (lib.sh deadline()), never a measurement.
	printf 'export FLOWD_VM_SLOW=%q\n' "$(awk -v n="$(nproc)" '{ s = 1 + int($1 / n); print (s > 6 ? 6 : s) }' /proc/loadavg)"
	# A sanitizer build of flowd under test keeps its settings in the guest.
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		[ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
} >"$outdir/job"

if [ $icount -eq 1 ]; then
	accel=(-accel tcg,thread=single -icount shift=0,sleep=off -smp "$smp")
else
	accel=(-accel tcg,thread=multi -smp "$smp")
fi

cmdline="console=ttyS0 root=/dev/root rootfstype=9p"
cmdline+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
cmdline+=" ro init=$here/guest-init.sh panic=-1 oops=panic quiet loglevel=4"
# 4-level paging: -cpu max offers LA57, which the tests do not need, and
# on the KASAN kernel a timer interrupt during early boot (TSC calibration
# fails on a loaded host) was reported as a wild access to the irq lock in
# the LA57 direct map (ff11...), failing a run before its test started.
cmdline+=" no5lvl"
# No address-space randomisation for the guest's processes.  QEMU's TCG
# keys its translated code by virtual address: with ASLR every process maps
# ld.so, libc and a PIE binary at new addresses, so each exec translated
# them all again, and process starts were most of what the guests spent.
# Without it, ten starts each (two guests beside each other): nft 290 ->
# 100 ms, grep 240 -> 125 ms, /bin/true 110 -> 50 ms, a whole run 25 %
# less host CPU.  What the tests check (the kernel's paths, flowd's
# behaviour) does not depend on where userspace is mapped.
cmdline+=" norandmaps"
# No check of the IO-APIC timer at boot: timer_irq_works() waits for ticks
# over a calibrated delay loop, and a guest whose vCPU threads lose the
# host CPU (TCG on a busy host) sees too few and panics ("IO-APIC + timer
# doesn't work"), failing a run before its test starts: seen here with
# three guests on two cores.  The timer works; only the check is fooled.
cmdline+=" no_timer_check"
# Time from the guest's timer ticks, not from its TSC.  Under TCG without
# icount the guest TSC is the host's TSC, and on a host whose own TSC is
# not synchronised across its CPUs (this one boots with tsc=unstable) it
# can leap when a vCPU thread moves to another host CPU: seen here under
# load, a guest clock 5 days ahead in one step (dmesg 1.6 s -> 462383 s,
# an "RCU stall" of 115592561 jiffies), which expired every conntrack
# entry and flow of the running test at once.  Whether the guest used its
# TSC at all depended on a calibration that fails on a busy host, so half
# the runs already kept time by the tick.  Under icount the TSC counts
# guest instructions and cannot leap; the benchmarks keep it.
[ $icount -eq 1 ] || cmdline+=" tsc=unstable"

# FLOWD_QEMU_EXTRA: more QEMU options, split at blanks (tests/bench/profile.sh
# loads its plugin with it).
read -r -a qemu_extra <<<"${FLOWD_QEMU_EXTRA:-}"

set +e
timeout -k 5 "$timeout" qemu-system-x86_64 \
	"${accel[@]}" -cpu max -m "$mem" \
	-kernel "$bzimage" -append "$cmdline" \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=/dev/root \
	-fsdev local,id=out,path="$outdir",security_model=none \
	-device virtio-9p-pci,fsdev=out,mount_tag=flowdout \
	-device virtio-rng-pci \
	-nic none -display none -monitor none -no-reboot \
	-serial file:"$outdir/console.log" "${qemu_extra[@]}" </dev/null
qemu_rc=$?
set -e

name=$(basename "$script")
if [ $quiet -eq 0 ] && [ -f "$outdir/log" ]; then
	cat "$outdir/log"
fi

if [ $qemu_rc -eq 124 ] || [ $qemu_rc -eq 137 ]; then
	echo "run-vm: $name: guest killed after ${timeout}s (hung)" >&2
	tail -n 30 "$outdir/console.log" >&2 || true
	exit 124
fi
if [ ! -f "$outdir/status" ]; then
	echo "run-vm: $name: guest ended without a status (qemu exit $qemu_rc)" >&2
	tail -n 40 "$outdir/console.log" >&2 || true
	exit 1
fi
status=$(cat "$outdir/status")

# A test that passed while the kernel complained has not passed.
kernel_trouble='BUG:|WARNING:|Oops|Kernel panic|KASAN|UBSAN|general protection fault|kernel BUG|RCU stall|refcount_t:|list_add corruption|list_del corruption'
if grep -Eq "$kernel_trouble" "$outdir/console.log" "$outdir/dmesg" 2>/dev/null; then
	echo "run-vm: $name: the kernel reported a problem:" >&2
	grep -Eh -A 20 "$kernel_trouble" "$outdir/dmesg" "$outdir/console.log" 2>/dev/null | head -n 60 >&2
	[ "$status" -eq 0 ] && status=125
fi
exit "$status"
