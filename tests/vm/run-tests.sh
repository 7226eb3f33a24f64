#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the VM integration tests: each script in tests/vm/tests/ boots its own
# VM (a clean kernel state per test), on the kernel(s) its header asks for:
#
#   # vm-kernel: patched     (default) the kernel with kernel/patches/
#   # vm-kernel: stock       the unpatched kernel
#   # vm-kernel: both        each of them
#   # vm-kernel: debug       the patched kernel with KASAN and UBSAN
#
# and any list of these (`# vm-kernel: patched debug`).  A test whose
# checks hold on the stock kernel just the same (its slow path already does
# what the series must not bypass) names it as its reference instead
# (`# vm-reference: stock`): that run shows the test's expectations are the
# kernel's own, not something the series must differ in, so it is made
# only on request: --reference, or --kernel stock.  The debug kernel is
# only built when a selected test asks for it, in the background while the
# other runs go on.  `# vm-cost: SECONDS` (what a run takes on a quiet host,
# roughly) orders the runs, the most costly first.
#
# A `# vm-timeout: SECONDS` line raises the guest timeout (default 1800 s,
# three times that on the debug kernel) for a script that needs it.
#
#   tests/vm/run-tests.sh [--kernel stock|patched|debug] [--no-debug]
#                         [--reference] [--skip NAME:KERNEL]... [-j N]
#                         [--keep DIR] [NAME...]
#
# -j N runs up to N VMs at once (default FLOWD_VM_JOBS, else 1); results
# are printed as runs finish.  --no-debug leaves out the debug kernel runs.
# --skip leaves out one run (a glob on NAME:KERNEL): the test command
# uses it for the runs another pass already made with flowd under ASan.
#
# NAME selects tests by file name without .sh (shell globs allowed).
# Prints one line per run and ends with "N passed, N failed"; exits non-zero
# when any run failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
only_kernel= keep= no_debug=0 reference=0 jobs=${FLOWD_VM_JOBS:-1} skips=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) only_kernel=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--no-debug) no_debug=1; shift ;;
	--reference) reference=1; shift ;;
	--skip) skips+=("$2"); shift 2 ;;
	-j) jobs=$2; shift 2 ;;
	-*) echo "run-tests: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done

selected() {
	local name=$1 pat
	[ $# -gt 1 ] || return 0
	shift
	for pat in "$@"; do
		# shellcheck disable=SC2053
		[[ $name == $pat ]] && return 0
	done
	return 1
}

# skipped NAME:KERNEL: whether a --skip pattern matches the run (the
# same glob match as selected, but no pattern means nothing is skipped).
skipped() {
	[ ${#skips[@]} -gt 0 ] && selected "$1" "${skips[@]}"
}

results=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/flowd-vm-results.XXXXXX")}
mkdir -p "$results"

# Build (or find) the stock and patched kernels once, before any test runs,
# so a build failure is reported as such and not as N failed tests.  The
# debug kernel (a long build) waits until a test needs it.
declare -A image
# FLOWD_VM_IMAGE_STOCK, _PATCHED, _DEBUG: an image already built (by
# tests/run-all.sh in the background); build-kernel.sh is not asked again,
# so the runs do not wait for its lock while it builds another flavour.
kernel_image() {
	local flavour=$1 given
	[ -n "${image[$flavour]:-}" ] && return 0
	given=FLOWD_VM_IMAGE_${flavour^^}
	if [ -n "${!given:-}" ] && [ -f "${!given}" ]; then
		image[$flavour]=${!given}
		return 0
	fi
	if ! image[$flavour]=$("$here/build-kernel.sh" "$flavour"); then
		image[$flavour]=
		echo "run-tests: building the $flavour kernel failed"
		return 1
	fi
}
if ! kernel_image stock || ! kernel_image patched; then
	echo "0 passed, 1 failed"
	exit 1
fi

# The list of runs (test, flavour) and what each costs: its script's
# `# vm-cost: SECONDS` (about what it takes on a quiet host, default 40).
run_scripts=() run_flavours=() run_costs=()
for script in "$here"/tests/*.sh; do
	name=$(basename "$script" .sh)
	selected "$name" "$@" || continue
	want=$(sed -n 's/^# vm-kernel: *\([a-z ]*\).*/\1/p' "$script" | head -n1)
	cost=$(sed -n 's/^# vm-cost: *\([0-9][0-9]*\).*/\1/p' "$script" | head -n1)
	flavours=
	for w in ${want:-patched}; do
		case $w in
		both) flavours+=" stock patched" ;;
		stock | patched | debug) flavours+=" $w" ;;
		*)
			echo "run-tests: $name: unknown vm-kernel '$w'" >&2
			exit 2
			;;
		esac
	done
	ref=$(sed -n 's/^# vm-reference: *\([a-z]*\).*/\1/p' "$script" | head -n1)
	if [ -n "$ref" ] && { [ "$reference" = 1 ] || [ "$only_kernel" = "$ref" ]; }; then
		flavours+=" $ref"
	fi
	# Without patches both flavours are the same image: run it once.
	if [ "${image[stock]}" = "${image[patched]}" ] && [[ "$flavours " == *" patched "* ]]; then
		flavours=${flavours/ stock/}
	fi
	for flavour in $flavours; do
		[ -n "$only_kernel" ] && [ "$only_kernel" != "$flavour" ] && continue
		[ "$no_debug" = 1 ] && [ "$flavour" = debug ] && continue
		skipped "$name:$flavour" && continue
		run_scripts+=("$script")
		run_flavours+=("$flavour")
		run_costs+=("${cost:-40}")
	done
done

# The most costly runs first, so that with -j N the last ones to finish
# are short ones and the slots stay busy to the end.
pending=()
while read -r _ i; do
	pending+=("$i")
done < <(for i in "${!run_costs[@]}"; do echo "${run_costs[$i]} $i"; done | sort -s -k1,1nr)

# The debug kernel (KASAN, a long build) builds in the background from
# here when a run needs it and it was not given: runs on the other kernels
# go ahead meanwhile and the debug runs start once it is there (with
# tests/run-all.sh, which builds it too, this waits for that build).
debug_build_pid=
if [[ " ${run_flavours[*]} " == *" debug "* ]] && [ -z "${image[debug]:-}" ] &&
	[ -z "${FLOWD_VM_IMAGE_DEBUG:-}" ]; then
	nice -n 19 "$here/build-kernel.sh" debug >"$results/image.debug" 2>"$results/build-debug.log" &
	debug_build_pid=$!
fi
# debug_kernel_ready: the debug image is known, or its build has ended
# (kernel_image then reports a failed build).
debug_kernel_ready() {
	[ -n "${image[debug]:-}" ] || [ -z "$debug_build_pid" ] && return 0
	kill -0 "$debug_build_pid" 2>/dev/null && return 1
	wait "$debug_build_pid" && [ -s "$results/image.debug" ] &&
		FLOWD_VM_IMAGE_DEBUG=$(cat "$results/image.debug")
	debug_build_pid=
	return 0
}

# run_one SCRIPT FLAVOUR OUT: one VM run; its exit code, wall time and
# host CPU go to OUT/rc, OUT/secs and OUT/cpu (read when the run is reaped).
run_one() {
	local script=$1 flavour=$2 out=$3 timeout start rc
	# A script may ask for more than the default (`# vm-timeout: SECONDS`,
	# e.g. flowd under valgrind); KASAN under TCG runs several times slower.
	timeout=$(sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$script" | head -n1)
	timeout=${FLOWD_VM_TIMEOUT:-${timeout:-1800}}
	[ "$flavour" = debug ] && timeout=$((timeout * 3))
	start=$(date +%s)
	FLOWD_KERNEL_FLAVOUR=$flavour "$here/run-vm.sh" --bzimage "${image[$flavour]}" \
		--kernel "$flavour" --timeout "$timeout" --out "$out" --quiet \
		"$script" >"$out.runner" 2>&1
	rc=$?
	echo $(($(date +%s) - start)) >"$out.secs"
	# The host CPU the run cost (QEMU's user + system time, from this
	# subshell's children): with the host's cores all busy, that, not the
	# run's wall time, is what the pool's length is made of.
	# (Not in a pipeline: that would run `times` in a child of its own.)
	times >"$out.times"
	sed -n '2{s/[ms]/ /g;p}' "$out.times" |
		awk '{ printf "%d\n", $1 * 60 + $2 + $3 * 60 + $4 + 0.5 }' >"$out.cpu"
	echo $rc >"$out.rc"
}

passed=0 failed=0 failed_names=()
# report NAME FLAVOUR OUT: the result line of a finished run.
report() {
	local name=$1 flavour=$2 out=$3 rc secs cpu
	rc=$(cat "$out.rc" 2>/dev/null || echo 1)
	secs=$(cat "$out.secs" 2>/dev/null || echo 0)
	cpu=$(cat "$out.cpu" 2>/dev/null || echo 0)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok   $name [$flavour] (${secs}s, cpu ${cpu}s)"
	else
		failed=$((failed + 1))
		failed_names+=("$name[$flavour]")
		echo "FAIL $name [$flavour] (exit $rc, ${secs}s, cpu ${cpu}s): log follows"
		# What failed first: a viewer that shows only the head of a
		# long report (a CI page) must still show which checks failed.
		grep -E '^(not ok|Bail out!)' "$out/log" 2>/dev/null | head -n 10 |
			sed 's/^/    > /'
		sed 's/^/    | /' "$out.runner" 2>/dev/null | tail -n 20
		sed 's/^/    | /' "$out/log" 2>/dev/null | tail -n 80
	fi
}

# Up to $jobs runs at once (-j, FLOWD_VM_JOBS): each is its own VM, and
# the tests measure by packets and wait for conditions, never by the
# clock, so two guests sharing the host make each slower, not wrong.
declare -A running_name=() running_flavour=() running_out=()
reap_one() {
	local pid
	wait -n -p pid "${!running_name[@]}"
	report "${running_name[$pid]}" "${running_flavour[$pid]}" "${running_out[$pid]}"
	unset "running_name[$pid]" "running_flavour[$pid]" "running_out[$pid]"
}
# debug_build_full_speed: the debug kernel's build (ours or run-all.sh's,
# started at nice 19 so that it takes only what the VM runs leave) back to
# nice 0, every process of it, once the debug runs are all that is left:
# on a host busy with other work a nice 19 build would hardly move and the
# test run would wait for it for hours.
debug_build_full_speed() {
	local pid
	for pid in $(pgrep -f 'build-kernel\.sh debug'); do
		renice_tree "$pid"
	done
}
renice_tree() {
	local child
	renice -n 0 -p "$1" >/dev/null 2>&1
	for child in $(pgrep -P "$1"); do
		renice_tree "$child"
	done
}

# next_run: NEXT = the index in $pending of the next run to start: the
# first whose kernel is there, else the first (a debug run whose kernel
# is still building).
next_run() {
	local k
	NEXT=0
	for k in "${!pending[@]}"; do
		if [ "${run_flavours[${pending[$k]}]}" != debug ] || debug_kernel_ready; then
			NEXT=$k
			return
		fi
	done
}
while [ ${#pending[@]} -gt 0 ]; do
	while [ ${#running_name[@]} -ge "$jobs" ]; do
		reap_one
	done
	# Poll while the debug kernel builds and other runs are going on.
	next_run
	while [ "${run_flavours[${pending[$NEXT]}]}" = debug ] && ! debug_kernel_ready &&
		[ ${#running_name[@]} -gt 0 ]; do
		debug_build_full_speed
		sleep 5
		next_run
	done
	k=$NEXT i=${pending[$NEXT]}
	pending=("${pending[@]:0:$k}" "${pending[@]:$((k + 1))}")
	script=${run_scripts[$i]} flavour=${run_flavours[$i]}
	name=$(basename "$script" .sh)
	if [ "$flavour" = debug ]; then
		# The background build has ended: wait for it (and take its image).
		while ! debug_kernel_ready; do
			debug_build_full_speed
			sleep 5
		done
	fi
	if ! kernel_image "$flavour"; then
		failed=$((failed + 1))
		failed_names+=("$name[$flavour]")
		continue
	fi
	out="$results/$name.$flavour"
	run_one "$script" "$flavour" "$out" &
	running_name[$!]=$name running_flavour[$!]=$flavour running_out[$!]=$out
done
while [ ${#running_name[@]} -gt 0 ]; do
	reap_one
done

[ -z "$keep" ] && [ $failed -eq 0 ] && rm -rf "$results"
[ $failed -gt 0 ] && echo "failed: ${failed_names[*]} (logs in $results)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
