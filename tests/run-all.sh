#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The whole test suite, from a fresh Debian 12 machine (as root):
#   packages -> build (-Werror) -> unit tests -> unit tests under ASan+UBSan
#   -> static analysis (cppcheck, clang-tidy) -> fuzzing (each libFuzzer
#   target FLOWD_FUZZ_SECONDS, default 20) -> man pages and service unit
#   -> make distcheck -> VM integration tests.  The test kernels build in
#   the background from the start, cached outside the tree.
# Every step is reported; the last line is "N passed, N failed" where N
# counts unit test cases, VM test runs and the other steps.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=${FLOWD_TEST_LOGS:-$top/build/test-logs}
jobs=${FLOWD_JOBS:-$(nproc)}

# Root's tools live in sbin; a CI environment may not have it on PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

passed=0 failed=0 failed_steps=()
# The time of every step and VM run, printed as a table at the end.
timing_names=() timing_secs=()
run_start=$(date +%s)

# timing NAME SECONDS: one row of the final table.
timing() {
	timing_names+=("$1")
	timing_secs+=("$2")
}

# step NAME CMD...: run CMD with its output in $logs/NAME.log.
step() {
	local name=$1
	shift
	local log="$logs/$name.log" start rc
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	timing "$name" $(($(date +%s) - start))
	if [ $rc -eq 0 ]; then
		echo "ok   $name ($(($(date +%s) - start))s)"
		passed=$((passed + 1))
	else
		echo "FAIL $name (exit $rc, $(($(date +%s) - start))s): last lines of $log"
		tail -n 40 "$log" | sed 's/^/    | /'
		failed=$((failed + 1))
		failed_steps+=("$name")
	fi
	return $rc
}

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)" per
# program; add them up so the summary counts test cases, not programs.
count_cmocka() {
	local dir=$1 label=$2 p f
	p=$(cat "$dir"/tests/unit/*.log 2>/dev/null | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | paste -sd+ | bc)
	f=$(cat "$dir"/tests/unit/*.log 2>/dev/null | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | paste -sd+ | bc)
	echo "     $label: ${p:-0} test cases passed, ${f:-0} failed"
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}

# The per-step and per-VM-run times, slowest first, and the whole run.
print_timings() {
	local i flavour secs
	# The kernels built in the background (none when all were cached).
	while read -r flavour secs; do
		timing "kernel build: $flavour (background)" "$secs"
	done < <(cat "${kernels_log:-/dev/null}" "$logs/kernels-debug.log" 2>/dev/null |
		awk '/^build-kernel: building [a-z]* kernel/ { f = $3 }
		/^build-kernel: built in [0-9]* s/ && f != "" { print f, $4; f = "" }')
	echo "---- time per step and per VM run (seconds, slowest first)"
	for i in "${!timing_names[@]}"; do
		printf '%6d  %s\n' "${timing_secs[$i]}" "${timing_names[$i]}"
	done | sort -rn
	printf '%6d  %s\n' $(($(date +%s) - run_start)) "total (wall clock)"
}

finish() {
	print_timings
	[ ${#failed_steps[@]} -gt 0 ] && echo "failed: ${failed_steps[*]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

mkdir -p "$logs"
step setup-host "$top/tests/setup-host.sh" || finish
# Every tool any step below uses, checked now: a missing one fails here
# with the list, not as a confusing failure of some step much later.
step check-tools "$top/tests/check-tools.sh" || finish

# The test kernels build in the background from here (seconds when cached),
# while the host steps below run (many use one core only): stock, then
# patched (about 20 minutes cold on 2 cores), and beside them, in a tree of
# its own, the KASAN debug kernel (a full build, as long as stock).  The VM
# runs start once all three are there, never beside a build: under TCG a
# guest whose vCPU threads lose the CPU to a compiler, even one at nice 19,
# ran half again as long (kernel-tunnel-ipsec 154 s against 101 s) while
# the build itself got little, so in a cold run the KASAN build, started at
# nice 19 beside the VM runs, ended after them and its runs came last, on
# a host with one core idle.  Each built image's path goes to
# $logs/image.FLAVOUR; the two builders write their logs apart.
kernels_log="$logs/kernels.log"
: >"$kernels_log"
: >"$logs/kernels-debug.log"
rm -f "$logs"/image.*
(
	for flavour in stock patched; do
		nice -n 5 "$top/tests/vm/build-kernel.sh" "$flavour" >"$logs/image.$flavour.tmp" &&
			mv "$logs/image.$flavour.tmp" "$logs/image.$flavour" || exit 1
	done
) >>"$kernels_log" 2>&1 &
kernels_pid=$!
(
	nice -n 5 "$top/tests/vm/build-kernel.sh" debug >"$logs/image.debug.tmp" &&
		mv "$logs/image.debug.tmp" "$logs/image.debug"
) 2>>"$logs/kernels-debug.log" &
debug_kernel_pid=$!

# Out-of-tree builds only: a configured source tree would break them.
if [ -f "$top/config.status" ]; then
	echo "note: the source tree is configured in place; running make distclean there first"
	make -C "$top" distclean >/dev/null 2>&1
fi
step autoreconf autoreconf -fi || finish

build() {
	local dir=$1
	shift
	mkdir -p "$dir" && cd "$dir" && "$top/configure" --enable-werror "$@" && make -j"$jobs"
}
# With the flags the Debian package is built with (debian/rules:
# hardening=+all, so _FORTIFY_SOURCE, stack protector, relro), so that the
# unit tests and the VM tests check the binaries as they ship; the package
# step then skips its own run of the unit tests.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
step build build "$top/build" CFLAGS="$(dpkg-buildflags --get CFLAGS)" \
	CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" || finish
unset DEB_BUILD_MAINT_OPTIONS
step unit-tests make -C "$top/build" -j"$jobs" check
count_cmocka "$top/build" "unit tests"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -g -O1"
if step build-asan build "$top/build-asan" CFLAGS="$san" LDFLAGS="-fsanitize=address,undefined"; then
	step unit-tests-asan make -C "$top/build-asan" -j"$jobs" check
	count_cmocka "$top/build-asan" "unit tests (ASan+UBSan)"
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

step static-analysis "$top/tests/static-analysis.sh"
# Five targets, 20 s each by default, as many at once as there are cores
# (each from its seed corpus in tests/fuzz/corpus).
step fuzz "$top/tests/fuzz/run.sh" "${FLOWD_FUZZ_SECONDS:-20}"

step docs-service "$top/tests/check-docs-service.sh" "$top/build"
step distcheck make -C "$top/build" -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror
# The Debian package: built from a clean copy, lintian, installed in a
# Debian 12 chroot and smoke-tested there.
step package "$top/tests/check-package.sh"

# Wait for the three images (or for their builders to give up).
kernels_start=$(date +%s)
while { { [ ! -f "$logs/image.stock" ] || [ ! -f "$logs/image.patched" ]; } &&
	kill -0 "$kernels_pid" 2>/dev/null; } ||
	{ [ ! -f "$logs/image.debug" ] && kill -0 "$debug_kernel_pid" 2>/dev/null; }; do
	sleep 2
done
timing "waiting for the kernels" $(($(date +%s) - kernels_start))
if [ -f "$logs/image.stock" ] && [ -f "$logs/image.patched" ]; then
	echo "ok   kernels (waited $(($(date +%s) - kernels_start))s; log: $kernels_log)"
	FLOWD_VM_IMAGE_STOCK=$(cat "$logs/image.stock")
	FLOWD_VM_IMAGE_PATCHED=$(cat "$logs/image.patched")
	export FLOWD_VM_IMAGE_STOCK FLOWD_VM_IMAGE_PATCHED
else
	# run-tests.sh tries again and reports what fails.
	echo "note: building the test kernels in the background failed (log: $kernels_log)"
fi
if [ -f "$logs/image.debug" ]; then
	FLOWD_VM_IMAGE_DEBUG=$(cat "$logs/image.debug")
	export FLOWD_VM_IMAGE_DEBUG
else
	echo "note: building the KASAN kernel in the background failed (log: $logs/kernels-debug.log)"
fi

# count_vm LOG NAME: add a VM runner's "N passed, N failed" to the totals
# and its per-run times to the table.
count_vm() {
	local log=$1 name=$2 p f
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -n1)
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -n1)
	# "ok   NAME [KERNEL] (SECSs, cpu CPUs)": the host CPU goes into the
	# row's name, the table is sorted by wall time.
	while read -r run secs cpu; do
		timing "$name: ${run//_/ }${cpu:+ (cpu ${cpu}s)}" "$secs"
	done < <(sed -n 's/^\(ok  \|FAIL\) \([^ ]* \[[a-z]*\]\) (\(exit [0-9]*, \)\{0,1\}\([0-9]*\)s\(, cpu \([0-9]*\)s\)\{0,1\}).*/\2\t\4 \6/p' "$log" |
		sed 's/ /_/; s/\t/ /')
	if [ -z "$p" ]; then
		echo "FAIL $name: the runner gave no summary"
		failed=$((failed + 1))
		failed_steps+=("$name")
		return
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -gt 0 ] && failed_steps+=("$name")
}

# vm_pass NAME ARGS...: one run of the VM test runner, output to the
# terminal (less its summary line, which goes into ours) and to a log.
vm_pass() {
	local name=$1 log="$logs/$1.log" start
	shift
	echo "---- $name (log: $log)"
	start=$(date +%s)
	"$top/tests/vm/run-tests.sh" -j "$vm_jobs" "$@" 2>&1 | tee "$log" | grep -v ' passed, .* failed$'
	timing "$name (all runs)" $(($(date +%s) - start))
	count_vm "$log" "$name"
}

# Two VMs at a time where the host has the cores for it: the guests
# spend much of their time waiting, and every check waits for what it
# measures rather than for the clock.
vm_jobs=${FLOWD_VM_JOBS:-$(($(nproc) >= 2 ? 2 : 1))}

# flowd itself under ASan+UBSan through the tests that drive it hardest on
# events, reloads and restarts (a sanitizer report aborts flowd, a leak at
# exit fails its clean stop), then every other VM run on the stock, patched
# and KASAN kernels in one pool, the most costly first.  The runs made
# under ASan are not made again with the plain build: the same checks on
# the same code, and ASan+UBSan see more (about 120 VM-seconds).
asan_runs=(flowd-config flowd-dynamic flowd-offload)
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	FLOWD_BUILD="$top/build-asan" vm_pass vm-tests-asan --kernel patched "${asan_runs[@]}"
skip_asan_runs=()
for run in "${asan_runs[@]}"; do
	skip_asan_runs+=(--skip "$run:patched")
done
FLOWD_BUILD="$top/build" vm_pass vm-tests "${skip_asan_runs[@]}"
finish
