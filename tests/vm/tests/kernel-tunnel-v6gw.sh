#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 60
#
# IPv4 routes through IPv6 gateways (RFC 5549, `via inet6`) on both sides
# of the router, with a gre tunnel: the route to the tunnel's remote (the
# outer packets the fast path sends) and the route to the client (the
# inner packets it forwards out of the tunnel).  The client and the remote
# answer no ARP request, so every IPv4 packet to them has to go to the
# gateway's IPv6 neighbour.  Since kernel/patches/0040 the packets of
# tunnel flows leave as ip_finish_output2() sends them: to the neighbour
# of the route's gateway, through its cached hardware header, but not for
# an IPv6 gateway of an IPv4 route, whose cached header carries the IPv6
# ethertype.  Sent with that header, the client and the remote drop every
# IPv4 packet of the streams; sent to the destination's own neighbour, as
# neigh_xmit() with rt_nexthop() did before 0040, they are never sent
# (no ARP answer) and the router is left with an IPv4 neighbour entry for
# them.  Either way these checks fail.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

no_v4_neigh() { ! in_ns router ip -4 neigh show dev "$1" | grep -qw "$2"; }

kt_setup gre
in_ns client sysctl -qw net.ipv4.conf.eth0.arp_ignore=8 || bail "arp_ignore on the client"
in_ns remote sysctl -qw net.ipv4.conf.eth1.arp_ignore=8 || bail "arp_ignore on the remote"
in_ns router ip -4 route replace 10.0.0.2/32 via inet6 fd00:a::2 dev eth0 ||
	bail "route to the client via an IPv6 gateway"
in_ns router ip -4 route replace 192.168.1.2/32 via inet6 fd00:1::2 dev eth1 ||
	bail "route to the remote via an IPv6 gateway"
# What kt_setup's ping resolved over ARP is forgotten.
in_ns router ip neigh flush dev eth0
in_ns router ip neigh flush dev eth1
note "router: $(in_ns router ip -4 route show | tr '\n' ';')"
check "connectivity through gre over the IPv6 gateways" \
	wait_until "$(deadline 20)" ping_ok client 10.2.0.2
kt_streams
note "router neighbours: $(in_ns router ip neigh show | tr '\n' ';')"
check "no IPv4 neighbour for the client was needed" no_v4_neigh eth0 10.0.0.2
check "no IPv4 neighbour for the remote was needed" no_v4_neigh eth1 192.168.1.2
topo_down
done_testing
