#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the VM integration tests: each script in tests/vm/tests/ boots its own
# VM (a clean kernel state per test), on the kernel(s) its header asks for:
#
#   # vm-kernel: patched     (default) the kernel with kernel/patches/
#   # vm-kernel: stock       the unpatched kernel
#   # vm-kernel: both        each of them
#
#   tests/vm/run-tests.sh [--kernel stock|patched] [--keep DIR] [NAME...]
#
# NAME selects tests by file name without .sh (shell globs allowed).
# Prints one line per run and ends with "N passed, N failed"; exits non-zero
# when any run failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
only_kernel= keep=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) only_kernel=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
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

results=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/flowd-vm-results.XXXXXX")}
mkdir -p "$results"

# Build (or find) each kernel once, before any test runs, so a build
# failure is reported as such and not as N failed tests.
declare -A image
for flavour in stock patched; do
	if ! image[$flavour]=$("$here/build-kernel.sh" "$flavour"); then
		echo "run-tests: building the $flavour kernel failed"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

passed=0 failed=0 failed_names=()
for script in "$here"/tests/*.sh; do
	name=$(basename "$script" .sh)
	selected "$name" "$@" || continue
	want=$(sed -n 's/^# vm-kernel: *\([a-z]*\).*/\1/p' "$script" | head -n1)
	case ${want:-patched} in
	both) flavours="stock patched" ;;
	stock) flavours=stock ;;
	*) flavours=patched ;;
	esac
	# Without patches both flavours are the same image: run it once.
	if [ "$flavours" = "stock patched" ] && [ "${image[stock]}" = "${image[patched]}" ]; then
		flavours=patched
	fi
	for flavour in $flavours; do
		[ -n "$only_kernel" ] && [ "$only_kernel" != "$flavour" ] && continue
		out="$results/$name.$flavour"
		start=$(date +%s)
		FLOWD_KERNEL_FLAVOUR=$flavour "$here/run-vm.sh" --bzimage "${image[$flavour]}" \
			--kernel "$flavour" --timeout "${FLOWD_VM_TIMEOUT:-600}" --out "$out" --quiet \
			"$script"
		rc=$?
		secs=$(($(date +%s) - start))
		if [ $rc -eq 0 ]; then
			passed=$((passed + 1))
			echo "ok   $name [$flavour] (${secs}s)"
		else
			failed=$((failed + 1))
			failed_names+=("$name[$flavour]")
			echo "FAIL $name [$flavour] (exit $rc, ${secs}s): log follows"
			sed 's/^/    | /' "$out/log" 2>/dev/null | tail -n 80
		fi
	done
done

[ -z "$keep" ] && [ $failed -eq 0 ] && rm -rf "$results"
[ $failed -gt 0 ] && echo "failed: ${failed_names[*]} (logs in $results)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
