#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 90
#
# Tunnel flows keep the neighbour their packets leave through (kernel/
# patches/ 0044): the outer packets sent into the tunnel (to the remote,
# IPv4 for gre, IPv6 for ip6gre) and the inner packets received from it
# (to the client).  What a kept neighbour must still follow, under an
# offloaded TCP stream:
#  - the neighbours flushed on the router: the kept ones are dead (a dead
#    neighbour sends nothing), the next packets find new ones;
#  - the remote's link layer address changed, and the router's neighbour
#    replaced with the new one: the same neighbour, its cached header
#    rewritten;
# each time the stream goes on, on the fast path (the hooks that see outer
# packets on the slow path stay flat).
# Then the device a kept neighbour is on goes away: the neighbour holds the
# device, so the flows that keep it must be freed with it, or the
# unregistration waits for them (the kernel says "waiting for eth3 to
# become free" after 10 s).  In the ECMP topology of kernel-tunnel-ecmp
# some flows leave over eth3, which is neither a device they are received
# on nor the tunnel: only the neighbour ties them to it.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

server_rx() { link_bytes server eth0 rx; }

# kt_neigh_continues WHAT: the server receives another MB of the running
# stream, which stays [OFFLOAD], and no outer packet of it goes through the
# router's input or output hook meanwhile.
kt_neigh_continues() {
	local what=$1 fam=${TOPO_INNER%% *} b1 i0 o0 i1 o1
	read -r i0 o0 <<<"$(ctr_many in_tun out_tun)"
	b1=$(server_rx)
	wait_grown "$(deadline 60)" 1000000 "$b1" server_rx ||
		note "$what: the server received only $GROWN bytes after it"
	local more=$GROWN
	read -r i1 o1 <<<"$(ctr_many in_tun out_tun)"
	note "$what: server +$more bytes, in_tun +$((i1 - i0)), out_tun +$((o1 - o0))"
	check "$TOPO_KIND: $what: the stream goes on" test "$more" -ge 1000000
	check "$TOPO_KIND: $what: the flow is still [OFFLOAD]" \
		kt_offloaded "$fam" 'dport=5201'
	check "$TOPO_KIND: $what: outer rx bypasses input" flat $((i1 - i0))
	check "$TOPO_KIND: $what: outer tx bypasses output" flat $((o1 - o0))
}

kt_neigh_kind() {
	local kind=$1 fam remote mac
	kt_setup "$kind"
	fam=${TOPO_INNER%% *}
	remote=192.168.1.2
	[ "$(topo_underlay_family "$kind")" = 6 ] && remote=fd00:1::2
	stream_begin server "$(kt_dst "$fam")"
	check "$kind: the stream is [OFFLOAD]" \
		wait_until "$(deadline 30)" kt_offloaded "$fam" 'dport=5201'
	kt_wait_underlay "$(deadline 30)" $KT_WARM 0

	in_ns router ip neigh flush dev eth1
	in_ns router ip neigh flush dev eth0
	note "router neighbours after the flush: $(in_ns router ip neigh show | tr '\n' ';')"
	kt_neigh_continues "neighbours flushed"

	mac=02:00:00:00:0e:02
	in_ns remote ip link set eth1 address $mac || bail "new address of the remote's eth1"
	in_ns router ip neigh replace $remote lladdr $mac dev eth1 nud reachable ||
		bail "router neighbour $remote replaced"
	note "router: $(in_ns router ip neigh show $remote dev eth1)"
	kt_neigh_continues "the remote's link layer address changed"

	stream_stop
	topo_down
}

# kt_neigh_unregister: flows keep a neighbour on eth3, which goes away.
kt_neigh_unregister() {
	local t0 took
	kt_setup ipip
	topo_ecmp_underlay
	KT_FT_EXTRA_DEVS=eth3 kt_router_ruleset
	udp_flows_send 32 3
	check "ipip ECMP: the flows are [OFFLOAD]" \
		wait_until "$(deadline 30)" udp_flows_offloaded 32
	udp_flows_send 32 5
	note "eth3 sent $(in_ns router cat /sys/class/net/eth3/statistics/tx_packets) packets"
	check "ipip ECMP: some flows leave over eth3" \
		[ "$(in_ns router cat /sys/class/net/eth3/statistics/tx_packets)" -ge 32 ]
	t0=$SECONDS
	in_ns router ip link del eth3 || bail "ip link del eth3"
	took=$((SECONDS - t0))
	note "ip link del eth3 took $took s"
	check "ipip ECMP: eth3 deleted without waiting for the flows" \
		bash -c '! dmesg | grep -q "waiting for eth3 to become free"'
	check "ipip ECMP: the flows that left over eth3 are gone with it" \
		[ "$took" -lt 10 ]
	topo_down
}

kt_neigh_kind gre
kt_neigh_kind ip6gre
kt_neigh_unregister
done_testing
