#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 40
#
# A GRE flow the router forwards (it is no end of the tunnel) stays in the
# fast path with the tunnel flag on.  With conntrack's GRE tracking
# (CONFIG_NF_CT_PROTO_GRE, as distribution kernels have it), the stock
# flowtable offloads such a flow as a flow of its own.  With the tunnel
# flag, the patched kernel gives GRE packets to the tunnels first and looks
# them up as a GRE flow only when no tunnel takes them (kernel/patches/,
# "plain flows keep the lookup key"): this checks that second lookup, for
# pings and for UDP inside the tunnel (a UDP inner packet is looked up as
# a tunnel's first, which fills the lookup key: the GRE lookup after it
# starts again from a clean key, kernel/patches/ 0041).
#
#   gc (g0 172.30.0.1) --- eth0 gr eth1 --- gs (g0 172.30.0.2)
#   10.50.0.2              10.50.0.1  10.51.0.1     10.51.0.2
#
# Stock kernel: flag off only.  Patched: flag off, then on.
. "$FLOWD_TOP/tests/vm/lib.sh"

TOPO_NAMESPACES="gc gr gs"

setup() {
	# shellcheck disable=SC2119 # no sysctl to zero
	topo_netns_forwarding
	{
		echo "link set lo up"
		echo "link add eth0 type veth peer name eth0 netns gr"
		echo "addr add 10.50.0.2/24 dev eth0"
		echo "link set eth0 up"
		echo "route add default via 10.50.0.1"
		echo "link add g0 type gre local 10.50.0.2 remote 10.51.0.2"
		echo "addr add 172.30.0.1/30 dev g0"
		echo "link set g0 up"
	} | topo_ns_batch gc || bail "topology: gc"
	{
		echo "link set lo up"
		echo "link add eth1 type veth peer name eth0 netns gs"
		echo "addr add 10.50.0.1/24 dev eth0"
		echo "link set eth0 up"
		echo "addr add 10.51.0.1/24 dev eth1"
		echo "link set eth1 up"
	} | topo_ns_batch gr || bail "topology: gr"
	{
		echo "link set lo up"
		echo "addr add 10.51.0.2/24 dev eth0"
		echo "link set eth0 up"
		echo "route add default via 10.51.0.1"
		echo "link add g0 type gre local 10.51.0.2 remote 10.50.0.2"
		echo "addr add 172.30.0.2/30 dev g0"
		echo "link set g0 up"
	} | topo_ns_batch gs || bail "topology: gs"

	in_ns gr nft -f - <<'NFT' || bail "router ruleset"
table inet filter {
	counter slow { }
	flowtable ft {
		hook ingress priority 0;
		devices = { eth0, eth1 }
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		meta l4proto gre flow add @ft
		meta l4proto gre counter name slow
	}
}
NFT
}

gre_offloaded() { [ "$(ct_offloaded gr '^gre ')" -ge 1 ]; }

slow() { nft_counter gr inet filter slow; }

# run WHAT: 200 pings and 200 UDP datagrams through the GRE tunnel once its
# flow is offloaded; the router's forward chain must not see them.
run() {
	local s1 s2
	wait_until "$(deadline 30)" ping_ok gc 172.30.0.2 ||
		bail "$1: no connectivity through the forwarded GRE tunnel"
	check "$1: GRE flow [OFFLOAD]" wait_until "$(deadline 30)" gre_offloaded
	note "$1: $(in_ns gr conntrack -L -p gre 2>/dev/null | tr '\n' ' ')"
	s1=$(slow)
	check "$1: 200 pings through the tunnel" \
		in_ns gc ping -q -c 200 -i 0.01 -W 2 172.30.0.2
	# No listener: each datagram comes back as a port unreachable, which
	# is GRE of the same flow too.
	check "$1: 200 UDP datagrams through the tunnel" \
		in_ns gc "$FLOWD_UDP_SEND" -b 7100 -n 200 -i 5 -s 100 172.30.0.2 7000
	s2=$(slow)
	note "$1: forward chain after flow add: $((s2 - s1)) of the GRE packets"
	# A flow torn down by the garbage collector in the window sends a
	# packet or two through the forward chain before it is offloaded again.
	check "$1: forward chain after flow add flat" [ $((s2 - s1)) -le 4 ]
	check "$1: GRE flow still [OFFLOAD]" gre_offloaded
}

setup
note "kernel: $(kernel_flavour) $(uname -r)"
run "flag off"
if [ "$(kernel_flavour)" != stock ]; then
	check "tunnel flag set" in_ns gr "$FLOWD_NFT_FT_FLAGS" set inet filter ft tunnel
	# The flag change tears the flows down (garbage collector, 1 s).
	sleep 3
	run "flag on"
fi
topo_down
done_testing
