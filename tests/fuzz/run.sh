#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the fuzz targets and run each for SECONDS (default 60) on a copy of
# its seed corpus (tests/fuzz/corpus/<target>, left untouched).
#   tests/fuzz/run.sh [SECONDS [TARGET...]]
# Prints runs and crashes per target and exits non-zero on any crash,
# leak, timeout or out-of-memory; the inputs that caused them are kept in
# $FLOWD_FUZZ_BUILD/artifacts (default build-fuzz/artifacts).  Reproduce
# one with:  build-fuzz/fuzz_TARGET ARTIFACT
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_conf fuzz_rtnl fuzz_ct fuzz_nft fuzz_proto)
out=${FLOWD_FUZZ_BUILD:-$top/build-fuzz}
artifacts=$out/artifacts

case $secs in
'' | *[!0-9]*) echo "usage: $0 [SECONDS [TARGET...]]" >&2; exit 2 ;;
esac

mkdir -p "$out"
"$top/tests/fuzz/build.sh" "$out" >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log"
	echo "fuzz: build failed (log: $out/build.log)"
	exit 1
}
mkdir -p "$artifacts"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/fuzz/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# fuzz_one TARGET: one target's run; its report line goes to
# $work/TARGET.result and its executed units to $work/TARGET.runs.
fuzz_one() {
	local t=$1 bin=$out/$1 corpus=$work/$1 log=$out/$1.log before rc runs cov found extra=()
	echo 0 >"$work/$t.runs"
	if [ ! -x "$bin" ]; then
		echo "FAIL $t: no such target" >"$work/$t.result"
		return
	fi
	mkdir -p "$corpus"
	cp "$top/tests/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null
	# Artifacts are named after their target: count this target's only
	# (the others run at the same time).
	before=$(find "$artifacts" -name "$t-*" | wc -l)
	# libconfig leaks a string on many syntax errors (lsan.supp), so with
	# per-input leak checks fuzz_conf spends its time in LeakSanitizer (40
	# runs/s instead of thousands).  LeakSanitizer still checks everything
	# at exit, with the suppressions, and fails the run on a flowd leak.
	[ "$t" = fuzz_conf ] && extra+=(-detect_leaks=0)
	# -timeout: one input may take 10 s at most (the default is 20 min).
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$t-" "${extra[@]}" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
	found=$(($(find "$artifacts" -name "$t-*" | wc -l) - before))
	echo "${runs:-0}" >"$work/$t.runs"
	if [ $rc -ne 0 ]; then
		{
			echo "FAIL $t: ${runs:-?} runs in ${secs}s, ${cov:-cov: ?}, exit $rc, $found new input(s) in $artifacts (log: $log)"
			grep -m1 -E '^==[0-9]+==ERROR|runtime error|^SUMMARY|ALARM|out-of-memory' "$log" | sed 's/^/    | /'
		} >"$work/$t.result"
	else
		echo "ok   $t: $runs runs in ${secs}s, $cov, $(find "$corpus" -type f | wc -l) corpus units, 0 crashes" >"$work/$t.result"
	fi
}

# The targets are independent single-threaded processes: as many at once
# as the host has cores (FLOWD_JOBS), so the step takes SECONDS per round
# of them instead of per target.
jobs=${FLOWD_JOBS:-$(nproc)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
running=0
for t in "${targets[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	fuzz_one "$t" &
	running=$((running + 1))
done
wait

failed=0
total_runs=0
for t in "${targets[@]}"; do
	cat "$work/$t.result" 2>/dev/null || echo "FAIL $t: no result"
	grep -q '^ok ' "$work/$t.result" 2>/dev/null || failed=$((failed + 1))
	total_runs=$((total_runs + $(cat "$work/$t.runs" 2>/dev/null || echo 0)))
done
echo "fuzz: $total_runs runs, ${#targets[@]} targets, $failed failed"
[ $failed -eq 0 ]
