#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
#
# The seed document's topology with a hand-written flowtable
# `devices = { eth0, tun0 }`: traffic crosses the IPIP tunnel both ways, and
# the proof that the flowtable's fast path carries it can fail: the same
# measurement without the `flow add` rule must show no offload.
. "$FLOWD_TOP/tests/vm/lib.sh"

# The router's ruleset: a flowtable on eth0 and tun0, and in the forward
# chain a counter that sits after `flow add`, so only packets that take the
# slow path move it.  $1 = "offload" or "no-offload".
router_ruleset() {
	local flow_add="meta l4proto { tcp, udp } flow add @ft"
	[ "$1" = offload ] || flow_add="# no flow add"
	in_ns router nft -f - <<NFT
flush ruleset
table inet filter {
	counter slow { }
	flowtable ft {
		hook ingress priority 0
		devices = { eth0, tun0 }
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		$flow_add
		meta l4proto tcp counter name slow
	}
}
NFT
}

# Runs an iperf3 TCP stream from the client to the server and measures, in
# the middle of it, how many packets took the slow path and how many bytes
# the router received.  Sets OFFLOADED, SLOW_DELTA, BYTES_DELTA, IPERF_OK.
measure_stream() {
	iperf3_server server
	in_ns client iperf3 -c 10.2.0.2 -t 15 -i 0 >"$TMPDIR/iperf.out" 2>&1 &
	local iperf=$!

	OFFLOADED=no
	wait_until 4 bash -c '[ "$(ip netns exec router conntrack -L 2>/dev/null |
		grep -F "[OFFLOAD]" | grep -c "dport=5201")" -gt 0 ]' && OFFLOADED=yes
	sleep 1
	local c1 b1 c2 b2
	c1=$(nft_counter router inet filter slow)
	b1=$(link_bytes router eth0 rx)
	sleep 2
	c2=$(nft_counter router inet filter slow)
	b2=$(link_bytes router eth0 rx)
	SLOW_DELTA=$((c2 - c1))
	BYTES_DELTA=$((b2 - b1))
	IPERF_OK=no
	wait "$iperf" && IPERF_OK=yes
	note "offloaded=$OFFLOADED slow-path packets in 2 s=$SLOW_DELTA router rx bytes in 2 s=$BYTES_DELTA"
	sed -n 's/^\[.*\] *0\.00-.*sender$/# iperf3: &/p' "$TMPDIR/iperf.out"
}

topo_up ipip
check "ping client -> server through tun0" ping_ok client 10.2.0.2
check "ping server -> client through tun0" ping_ok server 10.0.0.2

# --- with `flow add`: the fast path carries the stream ---
router_ruleset offload || bail "loading the router ruleset"
measure_stream
check "iperf3 TCP stream completes (offload)" [ "$IPERF_OK" = yes ]
check "conntrack shows the stream [OFFLOAD]" [ "$OFFLOADED" = yes ]
check "traffic kept flowing during the window" [ "$BYTES_DELTA" -gt 1000000 ]
check "slow-path counter stays flat (<= 2 packets)" [ "$SLOW_DELTA" -le 2 ]
check "ping still works with the flowtable" ping_ok client 10.2.0.2

# --- the same without `flow add`: the proof must come out negative ---
router_ruleset no-offload || bail "loading the router ruleset"
in_ns router conntrack -F >/dev/null 2>&1
measure_stream
check "iperf3 TCP stream completes (no offload)" [ "$IPERF_OK" = yes ]
check_not "without flow add nothing is [OFFLOAD]" [ "$OFFLOADED" = yes ]
check "without flow add the slow-path counter grows" [ "$SLOW_DELTA" -gt 100 ]

topo_down
done_testing
