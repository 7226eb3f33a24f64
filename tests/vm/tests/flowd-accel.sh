#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 65
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

underlay_bytes() { dev_bytes router eth1 && echo $((DEV_RX + DEV_TX)); }

# underlay_grown BYTES0 MIN: the underlay carried MIN bytes since BYTES0
# (read by the shell: poll_until calls it every 0.1 s).
underlay_grown() { dev_bytes router eth1 && [ $((DEV_RX + DEV_TX - $1)) -ge "$2" ]; }

# window: W_SLOW_RX W_SLOW_TX W_IN W_OUT over a window of the stream that
# closes once the router's underlay carried 8 MiB (at least 128 data
# packets even as 64 KiB GSO segments, and their ACKs: far above grows()
# and flat() whichever path moves them), however long a loaded host takes;
# W_BYTES: the underlay's bytes in it.
window() {
	local c u1 r1 t1 i1 o1 r2 t2 i2 o2 secs
	secs=$(deadline 60)
	c=$(nft_counters router inet test slow_rx slow_tx in_tun out_tun) || bail "router counters"
	read -r r1 t1 i1 o1 <<<"$c"
	u1=$(underlay_bytes)
	poll_until "$secs" underlay_grown "$u1" $((8 << 20)) ||
		note "$1: in $secs s the underlay carried only $(($(underlay_bytes) - u1)) bytes"
	c=$(nft_counters router inet test slow_rx slow_tx in_tun out_tun) || bail "router counters"
	read -r r2 t2 i2 o2 <<<"$c"
	W_BYTES=$(($(underlay_bytes) - u1))
	W_SLOW_RX=$((r2 - r1)) W_SLOW_TX=$((t2 - t1)) W_IN=$((i2 - i1)) W_OUT=$((o2 - o1))
	note "$1: forward chain rx $W_SLOW_RX tx $W_SLOW_TX, input (outer rx) $W_IN, output (outer tx) $W_OUT, underlay bytes $W_BYTES"
}

flat() { [ "$1" -le 20 ]; }
grows() { [ "$1" -gt 50 ]; }

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
	flags=$(in_ns router "$FLOWD_NFT_FT_FLAGS" get inet flowd ft)
	# One status for all that is read of it.
	local k_all k_offload k_why rx tx rx_why tx_why
	{
		read -r k_all
		read -r k_offload
		read -r k_why
		read -r rx
		read -r tx
		read -r rx_why
		read -r tx_why
	} < <(flowd_st_lines "d['kernel']" "d['kernel']['tunnel_offload']" "d['kernel'].get('why', '')" \
		"t['tun0']['rx']['state']" "t['tun0']['tx']['state']" \
		"t['tun0']['rx']['why']" "t['tun0']['tx']['why']")
	note "flowtable flags $flags; status kernel: $k_all"
	if [ "$flavour" = stock ]; then
		check "$what: stock: flowtable without the tunnel flag" [ "$((flags & 4))" -eq 0 ]
		check "$what: stock: status says the flag was refused" \
			[ "$k_offload: $k_why" = "inner: flag refused: Operation not supported" ]
		check "$what: stock: flowd logged it" \
			grep -q "kernel: no tunnel offload (flowtable tunnel flag refused: Operation not supported)" \
			"$FLOWD_LOG"
	else
		check "$what: flowtable with the tunnel flag" [ "$((flags & 4))" -eq 4 ]
		check "$what: status says the flag was accepted" [ "$k_offload" = outer ]
	fi
	note "status tun0: rx $rx ($rx_why), tx $tx ($tx_why)"
	check "$what: status rx $want_rx" [ "$rx" = "$want_rx" ]
	check "$what: status tx $want_tx" [ "$tx" = "$want_tx" ]
	check "$what: status reason mentions '$why'" grep -qF -- "$why" <<<"$rx_why / $tx_why"
	check "$what: flowctl status prints RX/TX columns" \
		bash -c "ip netns exec router '$FLOWCTL_BIN' -s '$TMPDIR/flowd.sock' status |
			grep -qE '^tun0 .* $want_rx +$want_tx '"

	# Until stream_stop, however long the host takes.
	stream_start
	wait_until "$(deadline 30)" stream_offloaded
	sleep 1
	window "$what"
	check "$what: the stream runs (the window filled)" [ "$W_BYTES" -ge $((8 << 20)) ]
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
