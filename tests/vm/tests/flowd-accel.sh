#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 100
#
# flowd tells the truth about tunnel acceleration (flowctl(8) RX/TX).
# It sets the tunnel offload flag on its flowtable; the stock kernel
# refuses it and flowd falls back to a flowtable without it.  Per tunnel and
# direction the status says outer / inner / slow, and the router's counters
# prove it while a TCP stream runs (client -> server: tx carries the data,
# rx the ACKs):
#   outer  the router's input/output hooks see no outer packets;
#   inner  they do, but the forward chain stays flat (inner flow offloaded);
#   slow   the forward chain moves.
# ipip with defaults: patched outer/outer, stock inner/inner.  GRE with
# checksums (refused by the series): inner/inner on both kernels.  ipip6
# (ip6tnl) with iproute2's default encapsulation limit (a destination
# option on every outer packet): patched outer/outer, stock inner/inner.
# `flowd -n` predicts the same before anything is applied.
. "$FLOWD_TOP/tests/vm/lib.sh"

FTFLAGS="$FLOWD_TOP/tests/vm/nft-flowtable-flags.py"
flavour=$(kernel_flavour)

# Outer packets through the router's stack, and the forward chain after
# flowd's (priority 20, after flowd's chain).
counters_up() {
	in_ns router nft -f - <<'NFT' || bail "router counters"
table inet test {
	counter slow_tx { }
	counter slow_rx { }
	counter in_tun { }
	counter out_tun { }
	chain forward {
		type filter hook forward priority 20; policy accept;
		ip daddr 10.2.0.0/24 meta l4proto tcp counter name slow_tx
		ip saddr 10.2.0.0/24 meta l4proto tcp counter name slow_rx
	}
	chain input {
		type filter hook input priority 0; policy accept;
		meta l4proto { 4, 41, 47 } counter name in_tun
	}
	chain output {
		type filter hook output priority 0; policy accept;
		meta l4proto { 4, 41, 47 } counter name out_tun
	}
}
NFT
}

ctr() { nft_counter router inet test "$1"; }

underlay_bytes() { echo $(($(link_bytes router eth1 rx) + $(link_bytes router eth1 tx))); }

# window: W_SLOW_RX W_SLOW_TX W_IN W_OUT over 2 s, taken again (up to three
# times) when the underlay carried next to nothing (a stalled guest on a
# loaded host proves nothing); W_BYTES: the underlay's bytes.
window() {
	local r1 t1 i1 o1 u1 try
	for try in 1 2 3; do
		r1=$(ctr slow_rx) t1=$(ctr slow_tx) i1=$(ctr in_tun) o1=$(ctr out_tun)
		u1=$(underlay_bytes)
		sleep 2
		W_SLOW_RX=$(($(ctr slow_rx) - r1)) W_SLOW_TX=$(($(ctr slow_tx) - t1))
		W_IN=$(($(ctr in_tun) - i1)) W_OUT=$(($(ctr out_tun) - o1))
		W_BYTES=$(($(underlay_bytes) - u1))
		[ "$W_BYTES" -ge 200000 ] && break
		note "$1: window $try: the underlay carried only $W_BYTES bytes, again"
	done
	note "$1: forward chain rx $W_SLOW_RX tx $W_SLOW_TX, input (outer rx) $W_IN, output (outer tx) $W_OUT, underlay bytes $W_BYTES"
}

flat() { [ "$1" -le 20 ]; }
grows() { [ "$1" -gt 50 ]; }

# st EXPR: one value from flowctl -j status (python expression on d).
st() { flowd_st "$@"; }
PY=/usr/bin/python3

# counters_match STATE DIR: the window agrees with STATE for direction DIR.
counters_match() {
	local state=$1 dir=$2 outer slow
	if [ "$dir" = rx ]; then outer=$W_IN slow=$W_SLOW_RX; else outer=$W_OUT slow=$W_SLOW_TX; fi
	case $state in
	outer) flat "$slow" && flat "$outer" ;;
	inner) flat "$slow" && grows "$outer" ;;
	slow) grows "$slow" ;;
	*) false ;;
	esac
}

# run KIND WANT_RX WANT_TX WHY [TUNNEL OPTIONS...]: the options are added
# to both ends of the IPv4-underlay tunnel.
run() {
	local kind=$1 want_rx=$2 want_tx=$3 why=$4
	shift 4
	topo_up "$kind"
	if [ $# -gt 0 ]; then
		# shellcheck disable=SC2046
		in_ns router ip link set tun0 $(topo_tunnel_args "$kind" 192.168.1.1 192.168.1.2) "$@" ||
			bail "router: tun0 $*"
		# shellcheck disable=SC2046
		in_ns remote ip link set tun1 $(topo_tunnel_args "$kind" 192.168.1.2 192.168.1.1) "$@" ||
			bail "remote: tun1 $*"
		wait_until "$(deadline 30)" ping_ok client 10.2.0.2 || bail "no connectivity after $*"
	fi
	local what="$kind${*:+ ($*)}"
	note "$what: $(in_ns router ip -d link show tun0 | sed -n 3p | tr -s ' ')"
	counters_up
	flowd_conf "$TMPDIR/flowd.conf"
	FLOWD_LOG=$TMPDIR/flowd-$kind.log

	local plan
	plan=$(in_ns router "$FLOWD_BIN" -n -c "$TMPDIR/flowd.conf")
	note "flowd -n: $(grep -E '^(kernel|tun0 )' <<<"$plan" | tail -n 2 | tr '\n' '|')"
	check "$what: flowd -n predicts rx $want_rx tx $want_tx" \
		grep -qE "^tun0 +$want_rx +$want_tx " <<<"$plan"

	flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
	local flags
	flags=$(in_ns router $PY "$FTFLAGS" get inet flowd ft)
	note "flowtable flags $flags; status kernel: $(st "d['kernel']")"
	if [ "$flavour" = stock ]; then
		check "$what: stock: flowtable without the tunnel flag" [ "$((flags & 4))" -eq 0 ]
		check "$what: stock: status says the flag was refused" \
			[ "$(st "d['kernel']['tunnel_offload'] + ': ' + d['kernel']['why']")" = \
			"inner: flag refused: Operation not supported" ]
		check "$what: stock: flowd logged it" \
			grep -q "kernel: no tunnel offload (flowtable tunnel flag refused: Operation not supported)" \
			"$FLOWD_LOG"
	else
		check "$what: flowtable with the tunnel flag" [ "$((flags & 4))" -eq 4 ]
		check "$what: status says the flag was accepted" \
			[ "$(st "d['kernel']['tunnel_offload']")" = outer ]
	fi
	local rx tx
	rx=$(st "t['tun0']['rx']['state']") tx=$(st "t['tun0']['tx']['state']")
	note "status tun0: rx $rx ($(st "t['tun0']['rx']['why']")), tx $tx ($(st "t['tun0']['tx']['why']"))"
	check "$what: status rx $want_rx" [ "$rx" = "$want_rx" ]
	check "$what: status tx $want_tx" [ "$tx" = "$want_tx" ]
	check "$what: status reason mentions '$why'" \
		grep -qF -- "$why" <<<"$(st "t['tun0']['rx']['why'] + ' / ' + t['tun0']['tx']['why']")"
	check "$what: flowctl status prints RX/TX columns" \
		bash -c "ip netns exec router '$FLOWCTL_BIN' -s '$TMPDIR/flowd.sock' status |
			grep -qE '^tun0 .* $want_rx +$want_tx '"

	# Until stream_stop, however long the host takes.
	stream_start
	wait_until "$(deadline 30)" stream_offloaded
	sleep 1
	window "$what"
	check "$what: the stream runs" [ "$W_BYTES" -ge 200000 ]
	check "$what: counters agree with rx $rx" counters_match "$rx" rx
	check "$what: counters agree with tx $tx" counters_match "$tx" tx
	stream_stop
	flowd_stop
	topo_down
}

if [ "$flavour" = stock ]; then
	run ipip inner inner "flag refused"
	run gre inner inner "flag refused" csum
	run ipip6 inner inner "flag refused"
else
	run ipip outer outer "outer header in the fast path"
	# The series refuses GRE checksums: the inner flow only.
	run gre inner inner "GRE checksums" csum
	run ipip6 outer outer "outer header in the fast path"
fi
done_testing
