#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Where the benchmark's instructions go: boot each kernel once under QEMU
# icount with the tbcount plugin (tests/bench/tbcount.c), run one mode of
# tests/bench/guest.py for a long window, and print the instructions per
# packet of every kernel function, the kernels side by side.  Exact where
# the benchmark's rates are not: a function's count does not depend on
# the state a boot settles in (see "What else bounds the figures" in
# tests/bench/README.md), so a difference of one instruction per packet in
# the flowtable's code shows.
#
#   tests/bench/profile.sh [--flavours stock,patched] [--kind ipip]
#                          [--dir tx|rx] [--size 64] [--mode ceiling]
#                          [--window SEC] [--anchor SYMBOL] [--top N]
#                          [--encaplimit none|default] [--results DIR]
#
# --mode is one of guest.py's (slow, tunft, full, ceiling, ceilingt, gen, genp;
# full and ceilingt on the patched kernel only; slow and gen have no
# flowtable, so give them an --anchor).  --anchor is a function entered
# once per packet: by default the flowtable hook the first kernel entered
# most, the one of the family the router receives (profile-report.py).
# --encaplimit is run.sh's (IPv6 tunnels with or without the option).
# Each boot takes about 30 s.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
flavours=stock,patched kind=ipip dir=rx size=64 mode=ceiling window=1.0
anchor='' topn=25 results='' encaplimit=none
while [ $# -gt 0 ]; do
	case $1 in
	--flavours) flavours=$2; shift 2 ;;
	--kind) kind=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--window) window=$2; shift 2 ;;
	--anchor) anchor=$2; shift 2 ;;
	--top) topn=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	--encaplimit) encaplimit=$2; shift 2 ;;
	-h | --help) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "profile: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

case $encaplimit in
none | default) ;;
*) echo "profile: --encaplimit is none or default, not '$encaplimit'" >&2; exit 2 ;;
esac

results=${results:-$(mktemp -d "${TMPDIR:-/tmp}/flowd-profile.XXXXXX")}
mkdir -p "$results"
results=$(realpath "$results")

plugin="$results/libtbcount.so"
gcc -O2 -Wall -Wextra -shared -fPIC -fvisibility=hidden \
	-o "$plugin" "$here/tbcount.c" || exit 1

columns=()
IFS=, read -r -a flavour_list <<<"$flavours"
for f in "${flavour_list[@]}"; do
	bz=$("$top/tests/vm/build-kernel.sh" "$f") || exit 1
	map="$(dirname "$bz")/System.map"
	if [ ! -f "$map" ]; then
		echo "profile: $map missing (an image built before build-kernel.sh kept it): remove $(dirname "$bz") and run again" >&2
		exit 1
	fi
	out="$results/$f"
	rm -rf "$out"
	mkdir -p "$out"
	echo "profile: $f kernel, $kind $dir $size B, mode $mode, ${window}s window" >&2
	FLOWD_QEMU_EXTRA="-plugin $plugin,out=$out/tbcount.txt" \
		"$top/tests/vm/run-vm.sh" --icount --kernel "$f" --bzimage "$bz" \
		--timeout 900 --out "$out" --quiet "$here/guest.sh" \
		--kinds "$kind" --dirs "$dir" --sizes "$size" --modes "$mode" \
		--rounds 1 --window "$window" --encaplimit "$encaplimit" \
		--out /run/flowd-out/bench.json || {
		echo "profile: the $f boot failed; its log: $out/log" >&2
		exit 1
	}
	grep -h " pps " "$out/log" >&2 || true
	if [ ! -s "$out/tbcount.txt" ]; then
		echo "profile: no counts from the $f boot ($out/tbcount.txt)" >&2
		exit 1
	fi
	cp "$map" "$out/System.map"
	columns+=("$f=$out/System.map:$out/tbcount.txt")
done

anchor_arg=()
[ -n "$anchor" ] && anchor_arg=(--anchor "$anchor")
python3 "$here/profile-report.py" "${anchor_arg[@]}" --top "$topn" "${columns[@]}" |
	tee "$results/report.md"
echo "profile: results in $results" >&2
