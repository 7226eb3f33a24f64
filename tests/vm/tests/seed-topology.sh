#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 30
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

# Runs an iperf3 TCP stream from the client to the server and measures how
# many packets took the slow path over a window of it defined by traffic
# (lib.sh): it opens once the stream is offloaded (or has had the time to
# be) and closes when the router's eth0 has received WIN more bytes of it,
# counted by the veth driver: at most 64 KiB a packet, so over 250 packets
# the slow path would count.  Sets OFFLOADED, SLOW_DELTA, DELIVERED_OK.
WIN=$((16 << 20))
measure_stream() {
	stream_start
	OFFLOADED=no
	# Without `flow add` the wait ends at its deadline: nothing to wait for.
	wait_until "$(deadline "$1")" stream_offloaded && OFFLOADED=yes
	# Packets on their way through the slow path when the flow was
	# offloaded are past before the window opens.
	wait_grown "$(deadline 30)" $((256 << 10)) "$(link_bytes router eth0 rx)" link_bytes router eth0 rx
	local c1 b1 d1 c2 d2 window=yes
	c1=$(nft_counter router inet filter slow)
	b1=$(link_bytes router eth0 rx)
	d1=$(link_bytes server eth0 rx)
	wait_grown "$(deadline 60)" $WIN "$b1" link_bytes router eth0 rx || window=no
	c2=$(nft_counter router inet filter slow)
	d2=$(link_bytes server eth0 rx)
	SLOW_DELTA=$((c2 - c1))
	DELIVERED_OK=no
	stream_stop && [ $window = yes ] && [ $((d2 - d1)) -ge 1000000 ] && DELIVERED_OK=yes
	note "offloaded=$OFFLOADED window=$window: router eth0 rx bytes $GROWN, slow-path packets $SLOW_DELTA, server eth0 rx bytes $((d2 - d1))"
	sed -n 's/^\[.*\] *0\.00-.*sender$/# iperf3: &/p' "$TMPDIR/iperf.out"
}

topo_up ipip
check "ping client -> server through tun0" ping_ok client 10.2.0.2
check "ping server -> client through tun0" ping_ok server 10.0.0.2

# --- with `flow add`: the fast path carries the stream ---
router_ruleset offload || bail "loading the router ruleset"
measure_stream 30
check "conntrack shows the stream [OFFLOAD]" [ "$OFFLOADED" = yes ]
check "traffic kept flowing during the window (> 1 MB to the server)" [ "$DELIVERED_OK" = yes ]
check "slow-path counter stays flat (<= 2 packets while 16 MiB pass)" [ "$SLOW_DELTA" -le 2 ]
check "ping still works with the flowtable" ping_ok client 10.2.0.2

# --- the same without `flow add`: the proof must come out negative ---
router_ruleset no-offload || bail "loading the router ruleset"
in_ns router conntrack -F >/dev/null 2>&1
measure_stream 4
check "traffic kept flowing during the window (no offload)" [ "$DELIVERED_OK" = yes ]
check_not "without flow add nothing is [OFFLOAD]" [ "$OFFLOADED" = yes ]
check "without flow add the slow-path counter grows" [ "$SLOW_DELTA" -gt 100 ]

topo_down
done_testing
