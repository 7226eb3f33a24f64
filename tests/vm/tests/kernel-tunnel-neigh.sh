#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched debug
# vm-cost: 200
#
# Tunnel flows keep the neighbour their packets leave through (kernel/
# patches/ 0044): the outer packets sent into the tunnel (to the remote,
# IPv4 for gre, IPv6 for ip6gre) and the inner packets received from it
# (to the client).  What a kept neighbour must still follow, under an
# offloaded TCP stream:
#  - the router's neighbours deleted (ip neigh flush): a neighbour still
#    referenced stays in its table, failed, and is resolved again;
#  - the router's own link layer addresses changed (the client and the
#    remote told the new ones): the kernel takes every neighbour on those
#    devices out of its table, dead, and a dead neighbour in use keeps the
#    header with the old source address; the frames must carry the new
#    ones.  (A version of 0044 without its test for a dead neighbour
#    passes these checks too: the change also makes the flows be set up
#    again, for IPv4 by the route cache flush.  The test stays a
#    safeguard.);
#  - the remote's link layer address changed, and the router's neighbour
#    replaced with the new one: the same neighbour, its header rewritten;
# each time the stream goes on, on the fast path (the hooks that see outer
# packets on the slow path stay flat).
# Then the device a kept neighbour is on goes away: the neighbour holds the
# device, so the flows that keep it must be freed with it, or the
# unregistration waits for them to expire (the kernel says "waiting for
# eth1.10 to become free" after 10 s).  Over a VLAN underlay the flows
# receive on eth1 (the flowtable hooks the real device) and leave through
# a neighbour on eth1.10: only the neighbour ties them to eth1.10, and
# with no traffic left no packet finds the route gone.  Without the
# teardown of such flows (a mutant of 0044) the deletion took 29 s, with
# two "waiting for eth1.10" lines.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

server_rx() { link_bytes server eth0 rx; }

# count_from NS DEV MAC: count the frames from MAC that NS receives on DEV
# (counter "from" of NS's netdev table "mac"); from_count NS reads it.
count_from() {
	in_ns "$1" nft -f - <<NFT || bail "counter on $1/$2"
table netdev mac {
	counter from { }
	chain in {
		type filter hook ingress device $2 priority -10; policy accept;
		ether saddr $3 counter name from
	}
}
NFT
}
from_count() { nft_counter "$1" netdev mac from; }

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
	local kind=$1 fam remote
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

	# The frames the router sends from now on carry its new addresses, in
	# a header built by a neighbour found after the change: a dead one
	# still holds the old header (the kernel keeps a neighbour that was
	# valid NOARP, "connected", when it is taken out of its table in use).
	count_from client eth0 02:00:00:00:0e:10
	count_from remote eth1 02:00:00:00:0e:11
	in_ns router ip link set eth0 address 02:00:00:00:0e:10 &&
		in_ns router ip link set eth1 address 02:00:00:00:0e:11 ||
		bail "new addresses of the router's eth0 and eth1"
	in_ns client ip neigh replace 10.0.0.1 lladdr 02:00:00:00:0e:10 dev eth0 nud reachable &&
		in_ns client ip neigh replace fd00:a::1 lladdr 02:00:00:00:0e:10 dev eth0 nud reachable &&
		in_ns remote ip neigh replace 192.168.1.1 lladdr 02:00:00:00:0e:11 dev eth1 nud reachable &&
		in_ns remote ip neigh replace fd00:1::1 lladdr 02:00:00:00:0e:11 dev eth1 nud reachable ||
		bail "the router's new addresses in the client's and the remote's neighbours"
	kt_neigh_continues "the router's link layer addresses changed"
	note "frames from the router's new addresses: to the client $(from_count client), to the remote $(from_count remote)"
	check "$kind: the client gets frames from the router's new address" \
		grows "$(from_count client)"
	check "$kind: the remote gets frames from the router's new address" \
		grows "$(from_count remote)"
	in_ns client nft delete table netdev mac
	in_ns remote nft delete table netdev mac

	in_ns remote ip link set eth1 address 02:00:00:00:0e:02 ||
		bail "new address of the remote's eth1"
	in_ns router ip neigh replace $remote lladdr 02:00:00:00:0e:02 dev eth1 nud reachable ||
		bail "router neighbour $remote replaced"
	note "router: $(in_ns router ip neigh show $remote dev eth1)"
	kt_neigh_continues "the remote's link layer address changed"

	stream_stop
	topo_down
}

# kt_neigh_unregister: idle flows keep a neighbour on eth1.10, which goes
# away.  The tunnel's end points are on dummy devices (192.168.10.1 and .2)
# reached over the VLAN, so that the addresses eth1.10 takes with it are not
# the tunnel's (whose removal tears its flows down, kernel/patches/ 0034).
kt_neigh_unregister() {
	local t0 took o1
	KT_VLAN=10 kt_setup gre
	topo_dummy_endpoints gre "via 192.168.1.2 dev eth1.10" "via 192.168.1.1 dev eth1.10"
	wait_until "$(deadline 20)" ping_ok client 10.2.0.2 || bail "no connectivity over the new end points"
	udp_flows_send 8 3
	check "gre over VLAN: the flows are [OFFLOAD]" \
		wait_until "$(deadline 30)" udp_flows_offloaded 8
	o1=$(ctr out_tun)
	udp_flows_send 8 5
	check "gre over VLAN: the outer header was pushed in the fast path" \
		flat $(($(ctr out_tun) - o1))
	note "router neighbours: $(in_ns router ip -s -s neigh show | tr '\n' ';')"
	t0=$SECONDS
	in_ns router ip link del eth1.10 || bail "ip link del eth1.10"
	took=$((SECONDS - t0))
	note "ip link del eth1.10 took $took s"
	check "gre over VLAN: eth1.10 deleted without waiting for the flows" \
		bash -c '! dmesg | grep -q "waiting for eth1.10 to become free"'
	check "gre over VLAN: the flows that keep a neighbour on eth1.10 go with it" \
		[ "$took" -lt 10 ]
	topo_down
}

kt_neigh_kind gre
kt_neigh_kind ip6gre
kt_neigh_unregister
done_testing
