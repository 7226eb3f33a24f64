#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Data-plane benchmark: packet rates through the router VM for every tunnel
# kind and direction, on the stock and the patched kernel, under QEMU icount
# (guest time = instructions).  See tests/bench/README.md.
#
#   tests/bench/run.sh [OPTIONS]
#
#   --smoke            one kind (ipip), one round, 64 B, short window, both
#                      kernels; results in a temporary directory
#   --kinds LIST       comma-separated (default ipip,gre,sit,ip6ip6,ipip6,ip6gre)
#   --dirs LIST        tx,rx (default both)
#   --sizes LIST       inner IP packet sizes (default 64,1400)
#   --rounds N         rounds per boot (default 3)
#   --window SEC       guest seconds counted per measurement (default 0.15)
#   --warmup SEC       guest seconds before each window (default 0.05)
#   --flavours LIST    kernels to boot (default stock,patched)
#   --boots N          boot each kernel N times, interleaved (default 1);
#                      the report takes each cell's median over the boots:
#                      a boot settles in one of a few states a few percent
#                      apart (README), which rounds within it do not show
#   --tx-sink WHERE    remote (default: the router's next hop drops the tx
#                      packets at its eth1) | server (the remote
#                      decapsulates and forwards to the server's eth0 first)
#   --encaplimit none|default
#                      IPv6-underlay tunnels without the encapsulation limit
#                      option (default, as the committed results) or with
#                      iproute2's default limit, as users create them
#   --results DIR      where latest.{json,md,png,svg} go
#                      (default tests/bench/results; --smoke: a temp dir)
#   --timeout SEC      per VM boot (default: from the matrix size)
#   --report-only      only redo the report from DIR/raw-*/bench.json
#
# Exit status: 0 when every boot finished (a mode that did not offload is
# reported in the table, not an error), 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

kinds=ipip,gre,sit,ip6ip6,ipip6,ip6gre dirs=tx,rx sizes=64,1400 rounds=3
window=0.15 warmup=0.05 flavours=stock,patched tx_sink=remote encaplimit=none
results= timeout= smoke=0 report_only=0 boots=1
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1; shift ;;
	--kinds) kinds=$2; shift 2 ;;
	--dirs) dirs=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--window) window=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--flavours) flavours=$2; shift 2 ;;
	--boots) boots=$2; shift 2 ;;
	--tx-sink) tx_sink=$2; shift 2 ;;
	--encaplimit) encaplimit=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--report-only) report_only=1; shift ;;
	-h | --help) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option $1" >&2; exit 2 ;;
	esac
done
case $boots in
'' | *[!0-9]* | 0) echo "bench: --boots wants a number of boots, not '$boots'" >&2; exit 2 ;;
esac
case $encaplimit in
none | default) ;;
*) echo "bench: --encaplimit is none or default, not '$encaplimit'" >&2; exit 2 ;;
esac
if [ $smoke -eq 1 ]; then
	kinds=ipip sizes=64 rounds=1 window=0.1
	[ -n "$results" ] || results=$(mktemp -d "${TMPDIR:-/tmp}/flowd-bench-smoke.XXXXXX")
fi
results=${results:-$here/results}
mkdir -p "$results"
results=$(realpath "$results")

IFS=, read -r -a flavour_list <<<"$flavours"
count() { local IFS=,; set -- $1; echo $#; }
n=$(($(count "$kinds") * $(count "$dirs") * $(count "$sizes") * rounds * 5))
# About 3.5 s of wall time per measurement under icount on the project's
# machines, a minute per topology; twice that as the limit.
timeout=${timeout:-$((n * 8 + $(count "$kinds") * 120 + 300))}

# The raw results of boot B of kernel F: raw-F for the first, raw-F-B for
# the others (one boot per kernel keeps the layout it always had).
raw_dir() { if [ "$2" -eq 1 ]; then echo "$results/raw-$1"; else echo "$results/raw-$1-$2"; fi; }

start=$(date +%s)
failed=0
if [ $report_only -eq 0 ]; then
	# Boots of an earlier run with more of them would be reported too.
	rm -rf "$results"/raw-*-[0-9]*
	for b in $(seq "$boots"); do
	for f in "${flavour_list[@]}"; do
		# FLOWD_VM_IMAGE_STOCK / _PATCHED: an image already built (as
		# for tests/vm/run-tests.sh), else build or find it.
		given=FLOWD_VM_IMAGE_${f^^}
		if [ -n "${!given:-}" ] && [ -f "${!given}" ]; then
			bz=${!given}
		else
			bz=$("$top/tests/vm/build-kernel.sh" "$f") || exit 1
		fi
		raw=$(raw_dir "$f" "$b")
		echo "bench: $f kernel ($bz), boot $b of $boots, kinds $kinds, dirs $dirs, sizes $sizes, $rounds round(s), window ${window}s" >&2
		t0=$(date +%s)
		rm -rf "$raw"
		mkdir -p "$raw"
		: >"$raw/log"
		# Progress while the guest writes its log (9p share).
		tail -n +1 -F "$raw/log" 2>/dev/null | grep --line-buffered -v '^#' &
		tailpid=$!
		rc=0
		"$top/tests/vm/run-vm.sh" --icount --kernel "$f" --bzimage "$bz" --timeout "$timeout" \
			--out "$raw" --quiet "$here/guest.sh" \
			--kinds "$kinds" --dirs "$dirs" --sizes "$sizes" --rounds "$rounds" \
			--window "$window" --warmup "$warmup" --tx-sink "$tx_sink" \
			--encaplimit "$encaplimit" --out /run/flowd-out/bench.json || rc=$?
		sleep 1
		kill "$tailpid" 2>/dev/null || true
		wait "$tailpid" 2>/dev/null || true
		echo "$(($(date +%s) - t0))" >"$raw/wall_seconds"
		echo "bench: $f boot finished in $(($(date +%s) - t0)) s (exit $rc)" >&2
		if [ $rc -ne 0 ]; then
			failed=1
			echo "bench: the $f boot failed (exit $rc); partial results kept in $raw" >&2
		fi
	done
	done
fi

# Host facts for the report.
export BENCH_CPU_MODEL="$(lscpu | sed -n 's/^Model name: *//p' | head -n1)"
export BENCH_NPROC="$(nproc)"
export BENCH_PATCH_HASH="$(cat "$top"/kernel/patches/*.patch 2>/dev/null | sha256sum | cut -c1-16)"
export BENCH_PATCH_COMMIT="$(git -C "$top" log -1 --format=%h -- kernel/patches 2>/dev/null || echo unknown)"
export BENCH_SOURCE_COMMIT="$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ $report_only -eq 1 ] || export BENCH_WALL_SECONDS=$(($(date +%s) - start))
raws=()
for f in "${flavour_list[@]}"; do
	for d in "$results/raw-$f" "$results/raw-$f"-[0-9]*; do
		[ -f "$d/bench.json" ] && raws+=("$f=$d/bench.json")
	done
done
if [ ${#raws[@]} -eq 0 ]; then
	echo "bench: no results" >&2
	exit 1
fi
/usr/bin/python3 "$here/report.py" --out "$results" "${raws[@]}" || exit 1
echo "bench: total $(($(date +%s) - start)) s; results in $results (latest.md, latest.json, latest.png, latest.svg)" >&2
exit $failed
