#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The whole test suite, from a fresh Debian 12 machine (as root):
#   packages -> build (-Werror) -> unit tests -> unit tests under ASan+UBSan
#   -> static analysis (cppcheck, clang-tidy) -> fuzzing (each libFuzzer
#   target FLOWD_FUZZ_SECONDS, default 30) -> man pages and service unit
#   -> make distcheck -> VM integration tests.  The test kernels build in
#   the background from the start, cached outside the tree.
# Every step is reported; the last line is "N passed, N failed" where N
# counts unit test cases, VM test runs and the other steps.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=${FLOWD_TEST_LOGS:-$top/build/test-logs}
jobs=${FLOWD_JOBS:-$(nproc)}

passed=0 failed=0 failed_steps=()

# step NAME CMD...: run CMD with its output in $logs/NAME.log.
step() {
	local name=$1
	shift
	local log="$logs/$name.log" start rc
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
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

finish() {
	[ ${#failed_steps[@]} -gt 0 ] && echo "failed: ${failed_steps[*]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

mkdir -p "$logs"
step setup-host "$top/tests/setup-host.sh" || finish

# The test kernels build in the background from here (about half an hour
# cold on 2 cores, seconds when cached): stock and patched while the host
# steps below run (many use one core only), then the KASAN debug kernel at
# the lowest priority while the VM tests on the other two run (they wait on
# guests much of the time); run-tests.sh runs the debug tests last and
# waits for it there.  Each built image's path goes to $logs/image.FLAVOUR.
kernels_log="$logs/kernels.log"
rm -f "$logs"/image.*
(
	for flavour in stock patched; do
		nice -n 5 "$top/tests/vm/build-kernel.sh" "$flavour" >"$logs/image.$flavour.tmp" &&
			mv "$logs/image.$flavour.tmp" "$logs/image.$flavour" || exit 1
	done
	nice -n 19 "$top/tests/vm/build-kernel.sh" debug >/dev/null
) >>"$kernels_log" 2>&1 &
kernels_pid=$!

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
step build build "$top/build" || finish
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
# Five targets, 30 s each by default: about three minutes with the build.
step fuzz "$top/tests/fuzz/run.sh" "${FLOWD_FUZZ_SECONDS:-30}"

step docs-service "$top/tests/check-docs-service.sh" "$top/build"
step distcheck make -C "$top/build" -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror

# Wait for the stock and patched images (or for the builder to give up).
kernels_start=$(date +%s)
while { [ ! -f "$logs/image.stock" ] || [ ! -f "$logs/image.patched" ]; } &&
	kill -0 "$kernels_pid" 2>/dev/null; do
	sleep 2
done
if [ -f "$logs/image.stock" ] && [ -f "$logs/image.patched" ]; then
	echo "ok   kernels (waited $(($(date +%s) - kernels_start))s; log: $kernels_log)"
	FLOWD_VM_IMAGE_STOCK=$(cat "$logs/image.stock")
	FLOWD_VM_IMAGE_PATCHED=$(cat "$logs/image.patched")
	export FLOWD_VM_IMAGE_STOCK FLOWD_VM_IMAGE_PATCHED
else
	# run-tests.sh tries again and reports what fails.
	echo "note: building the test kernels in the background failed (log: $kernels_log)"
fi

# The VM tests print their own per-test lines and "N passed, N failed".
vm_log="$logs/vm-tests.log"
echo "---- VM integration tests (log: $vm_log)"
FLOWD_BUILD="$top/build" "$top/tests/vm/run-tests.sh" 2>&1 | tee "$vm_log" | grep -v ' passed, .* failed$'
count_vm() {
	local log=$1 name=$2 p f
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -n1)
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -n1)
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
count_vm "$vm_log" vm-tests

# flowd itself under ASan+UBSan in the VM, through the tests that drive it
# hardest on events, reloads and restarts.  A sanitizer report
# aborts flowd, and a leak at exit fails its clean stop.
vm_asan_log="$logs/vm-tests-asan.log"
echo "---- VM tests with flowd built with ASan+UBSan (log: $vm_asan_log)"
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	FLOWD_BUILD="$top/build-asan" "$top/tests/vm/run-tests.sh" --kernel patched \
	flowd-config flowd-dynamic flowd-offload 2>&1 | tee "$vm_asan_log" | grep -v ' passed, .* failed$'
count_vm "$vm_asan_log" vm-tests-asan
finish
