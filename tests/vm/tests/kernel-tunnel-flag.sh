#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 70
#
# Tunnel offload is a per flowtable opt-in (NFT_FLOWTABLE_TUNNEL, the last
# patch of kernel/patches/), set with tests/vm/nft-flowtable-flags.c.
#
# Patched kernel, one TCP stream through the tunnel (client -> server, so
# tx carries the data and rx the ACKs) while the flag changes under it:
#   flag off  as on stock: the inner flow is [OFFLOAD] (through tun0),
#             the outer packets go through the router's input and output
#             hooks;
#   flag on   (set on the live flowtable) the flow is set up again with its
#             outer header in the fast path: input/output flat;
#   flag off  (cleared again; ipip only) back to the stock behaviour: no
#             flow keeps stale tunnel state.
# Stock kernel: the flag is refused (EOPNOTSUPP) and the flowtable keeps
# its flags; the stream behaves as with the flag off.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

KT_TUNNEL_FLAG=off

ft_flags() { in_ns router "$FLOWD_NFT_FT_FLAGS" get inet filter ft; }

# The kernel refuses the flag: the tool's exit code 3, not any failure.
refused() {
	local rc=0
	kt_ft_tunnel set 2>"$TMPDIR/refused.err" || rc=$?
	note "set tunnel: exit $rc $(cat "$TMPDIR/refused.err")"
	[ "$rc" -eq 3 ]
}

offloaded() { kt_offloaded "$1" dport=5201; }

# The bytes the router's underlay Ethernet device received and sent (the
# veth driver counts them, not the code under test).
underlay_bytes() {
	echo $(($(link_bytes router eth1 rx) + $(link_bytes router eth1 tx)))
}

# window WHAT: the router's slow path counters over a window that ends when
# the underlay has carried 4 MiB of the stream (defined by traffic, not by
# the clock: a loaded host makes it longer, never empty), in W_SLOW, W_IN,
# W_OUT; W_BYTES: the underlay's bytes in the window (less than 4 MiB
# only when the stream stalled past the deadline).
window() {
	local s1 i1 o1 s2 i2 o2 u1
	read -r s1 i1 o1 <<<"$(ctr_many slow in_tun out_tun)"
	u1=$(underlay_bytes)
	wait_grown "$(deadline 60)" 4194304 "$u1" underlay_bytes ||
		note "$1: in the deadline the underlay carried only $GROWN bytes"
	read -r s2 i2 o2 <<<"$(ctr_many slow in_tun out_tun)"
	W_BYTES=$(($(underlay_bytes) - u1))
	W_SLOW=$((s2 - s1)) W_IN=$((i2 - i1)) W_OUT=$((o2 - o1))
	note "$1: forward chain $W_SLOW, input (outer rx) $W_IN, output (outer tx) $W_OUT, underlay bytes $W_BYTES"
}

# expect_stock WHAT FAM: inner flow offloaded, outer header by the stack.
expect_stock() {
	window "$1"
	check "$1: the stream runs" [ "$W_BYTES" -ge 200000 ]
	check "$1: inner flow [OFFLOAD]" offloaded "$2"
	check "$1: forward chain after flow add flat" flat "$W_SLOW"
	check "$1: outer rx through the input hook (as stock)" grows "$W_IN"
	check "$1: outer tx through the output hook (as stock)" grows "$W_OUT"
}

flag_run() {
	local kind=$1 fam dst=10.2.0.2
	kt_setup "$kind"
	fam=${TOPO_INNER%% *}
	[ "$fam" = 6 ] && dst=fd00:b::2
	note "kernel: $(kt_flavour) $(uname -r), tunnel $kind, inner IPv$fam"
	check "$kind: flowtable created without the tunnel flag" [ "$(ft_flags)" = 0x0 ]
	if [ "$(kt_flavour)" = stock ]; then
		check "$kind: stock: the tunnel flag is refused" refused
		check "$kind: stock: the flowtable keeps its flags" [ "$(ft_flags)" = 0x0 ]
	fi

	# Long enough for any host load; stopped once the checks are done.
	stream_begin server "$dst"
	wait_until "$(deadline 30)" offloaded "$fam"
	sleep 1
	expect_stock "$kind flag off" "$fam"

	if [ "$(kt_flavour)" != stock ]; then
		check "$kind: flag set on the live flowtable" kt_ft_tunnel set
		check "$kind: flags read back 0x4" [ "$(ft_flags)" = 0x4 ]
		# The garbage collector (1 s) tears the old flow down, the next
		# packet sets it up again with its outer header.
		sleep 3
		wait_until "$(deadline 30)" offloaded "$fam"
		window "$kind flag on"
		check "$kind flag on: the stream runs" [ "$W_BYTES" -ge 200000 ]
		check "$kind flag on: flow [OFFLOAD]" offloaded "$fam"
		check "$kind flag on: forward chain after flow add flat" flat "$W_SLOW"
		check "$kind flag on: outer rx bypasses input" flat "$W_IN"
		check "$kind flag on: outer tx bypasses output" flat "$W_OUT"

		check "$kind: flag cleared on the live flowtable" kt_ft_tunnel clear
		check "$kind: flags read back 0x0" [ "$(ft_flags)" = 0x0 ]
		# Once is enough (the same code for both families): time.
		if [ "$kind" = ipip ]; then
			sleep 3
			wait_until "$(deadline 30)" offloaded "$fam"
			expect_stock "$kind flag off again" "$fam"
		fi
	fi
	check "$kind: the stream ran through every change" stream_stop
	topo_down
}

# IPv4 and IPv6 outer headers (both receive hooks).
flag_run ipip
flag_run ip6gre
done_testing
