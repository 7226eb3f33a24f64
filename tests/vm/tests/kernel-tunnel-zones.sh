#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 60
#
# Two GRE tunnels on one underlay carry flows with the same inner tuple,
# address spaces that conntrack zones and policy routing keep apart (two
# customers with the same private addresses).  Both flows are offloaded.
# A tunnel flow is looked up on the underlay with its inner tuple, so the
# two share a key there; before the series' fix ("a tunnel flow whose key
# is taken goes through its tunnel device") the second flow hid the first
# one from every lookup: the first one's packets all took the slow path
# while conntrack showed it [OFFLOAD].  The stock kernel offloads both
# through their tunnel devices.
#
#   za t0 10.9.0.2 ---\                          /--- eth2 sa 10.8.0.2
#      br0 192.168.7.2  eth1 zr 192.168.7.1 ----+
#   zb t0 10.9.0.2 ---/   greA (za) greB (zb)    \--- eth3 sb 10.8.0.2
#      eth0 192.168.7.3   zone 1: greA, eth2; zone 2: greB, eth3
#
# za and zb each send a UDP flow 10.9.0.2:6000 -> 10.8.0.2:5000 through
# their tunnel; each must be [OFFLOAD] in its zone, and 100 more packets
# of each must leave the router's forward chain flat.  With the tunnel
# flag (patched kernel), za's flow, set up first, takes the tunnel fast
# path: the router's input hook sees none of za's outer GRE packets.
# Stock kernel: flag off only.  Patched: flag on.
. "$FLOWD_TOP/tests/vm/lib.sh"

TOPO_NAMESPACES="za zb zr sa sb"

setup() {
	local ns
	topo_netns_forwarding net/ipv4/conf/all/rp_filter \
		net/ipv4/conf/default/rp_filter
	# Each veth is made in one namespace with its peer in the next.
	{
		echo "link set lo up"
		echo "link add eth1 type veth peer name eth0 netns za"
		echo "link add eth2 type veth peer name eth0 netns sa"
		echo "link add eth3 type veth peer name eth0 netns sb"
		echo "addr add 192.168.7.1/24 dev eth1"
		echo "addr add 172.16.0.1/30 dev eth2"
		echo "addr add 172.16.1.1/30 dev eth3"
		echo "link set eth1 up"
		echo "link set eth2 up"
		echo "link set eth3 up"
		echo "link add greA type gre local 192.168.7.1 remote 192.168.7.2"
		echo "link add greB type gre local 192.168.7.1 remote 192.168.7.3"
		echo "link set greA up"
		echo "link set greB up"
		# Customer A: greA and eth2 (table 101); B: greB and eth3 (102).
		echo "route add 10.8.0.2/32 via 172.16.0.2 dev eth2 table 101"
		echo "route add 10.9.0.2/32 dev greA table 101"
		echo "route add 10.8.0.2/32 via 172.16.1.2 dev eth3 table 102"
		echo "route add 10.9.0.2/32 dev greB table 102"
		echo "rule add iif greA lookup 101"
		echo "rule add iif eth2 lookup 101"
		echo "rule add iif greB lookup 102"
		echo "rule add iif eth3 lookup 102"
	} | topo_ns_batch zr || bail "topology: zr"
	{
		echo "link set lo up"
		echo "link add br0 type bridge"
		echo "link add p1 type veth peer name eth0 netns zb"
		echo "link set eth0 master br0"
		echo "link set p1 master br0"
		echo "addr add 192.168.7.2/24 dev br0"
		echo "link set eth0 up"
		echo "link set p1 up"
		echo "link set br0 up"
	} | topo_ns_batch za || bail "topology: za"
	{
		echo "link set lo up"
		echo "addr add 192.168.7.3/24 dev eth0"
		echo "link set eth0 up"
	} | topo_ns_batch zb || bail "topology: zb"
	for ns in za zb; do
		local lo=192.168.7.2
		[ "$ns" = zb ] && lo=192.168.7.3
		{
			echo "link add t0 type gre local $lo remote 192.168.7.1"
			echo "addr add 10.9.0.2/32 dev t0"
			echo "link set t0 up"
			echo "route add 10.8.0.0/24 dev t0 src 10.9.0.2"
		} | topo_ns_batch "$ns" || bail "topology: $ns tunnel"
	done
	for ns in sa sb; do
		local gw=172.16.0.1 own=172.16.0.2/30
		[ "$ns" = sb ] && gw=172.16.1.1 own=172.16.1.2/30
		{
			echo "link set lo up"
			echo "addr add $own dev eth0"
			echo "addr add 10.8.0.2/32 dev eth0"
			echo "link set eth0 up"
			echo "route add default via $gw dev eth0"
		} | topo_ns_batch "$ns" || bail "topology: $ns"
		in_ns "$ns" nft -f - <<'NFT' || bail "$ns ruleset"
table inet count {
	counter got { }
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 5000 counter name got drop
	}
}
NFT
	done

	in_ns zr nft -f - <<'NFT' || bail "router ruleset"
table inet filter {
	counter slow_a { }
	counter slow_b { }
	counter in_gre_a { }
	counter in_gre_b { }
	flowtable ft {
		hook ingress priority 0;
		devices = { eth1, eth2, eth3, greA, greB }
	}
	chain raw {
		type filter hook prerouting priority raw; policy accept;
		iifname { "greA", "eth2" } ct zone set 1
		iifname { "greB", "eth3" } ct zone set 2
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		meta l4proto udp flow add @ft
		udp dport 5000 ct zone 1 counter name slow_a
		udp dport 5000 ct zone 2 counter name slow_b
	}
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr 192.168.7.2 meta l4proto gre counter name in_gre_a
		ip saddr 192.168.7.3 meta l4proto gre counter name in_gre_b
	}
}
NFT
}

# offloaded_in ZONE: the flow of that zone is [OFFLOAD].
offloaded_in() {
	[ "$(ct_offloaded_count zr 'dport=5000' "-p udp -w $1")" -ge 1 ]
}

# send NS ROUNDS MS: the customer flow from NS.
send() {
	in_ns "$1" "$FLOWD_UDP_SEND" -b 6000 -n "$2" -i "$3" -m zone 10.8.0.2 5000
}

# sent_and_offloaded NS ZONE: two more packets of the flow from NS, then
# whether its flow in ZONE is offloaded.
sent_and_offloaded() {
	send "$1" 2 100
	offloaded_in "$2"
}

# open_flow NS ZONE: send until the flow of ZONE is offloaded (a packet
# lost on a busy host only delays it).
open_flow() {
	wait_until "$(deadline 20)" sent_and_offloaded "$1" "$2"
}

setup
note "kernel: $(kernel_flavour) $(uname -r)"
# Every hop's neighbour resolved, the bridge forwarding: pings each way.
for ns in za zb; do
	wait_until "$(deadline 20)" ping_ok "$ns" 10.8.0.2 ||
		bail "no connectivity from $ns through its tunnel"
done
if [ "$(kernel_flavour)" != stock ]; then
	check "tunnel flag set" in_ns zr "$FLOWD_NFT_FT_FLAGS" set inet filter ft tunnel
fi
check "customer A: flow [OFFLOAD] in zone 1" open_flow za 1
check "customer B, same inner tuple: flow [OFFLOAD] in zone 2" open_flow zb 2
note "$(in_ns zr conntrack -L -p udp 2>/dev/null | tr -s ' ')"

read -r a1 b1 ia1 ib1 <<<"$(nft_counters zr inet filter slow_a slow_b in_gre_a in_gre_b)"
read -r ga1 <<<"$(nft_counter sa inet count got)"
read -r gb1 <<<"$(nft_counter sb inet count got)"
send za 100 5
send zb 100 5
# Everything sent was handled once each server counted its 100.
servers_got() {
	[ $(($(nft_counter sa inet count got) - ga1)) -ge "$1" ] &&
		[ $(($(nft_counter sb inet count got) - gb1)) -ge "$1" ]
}
wait_until "$(deadline 20)" servers_got 100 ||
	note "the servers did not count 100 packets each"
read -r a2 b2 ia2 ib2 <<<"$(nft_counters zr inet filter slow_a slow_b in_gre_a in_gre_b)"
ga=$(($(nft_counter sa inet count got) - ga1))
gb=$(($(nft_counter sb inet count got) - gb1))
note "server A got $ga, server B got $gb; forward chain A $((a2 - a1)), B $((b2 - b1));" \
	"outer GRE to the input hook: from za $((ia2 - ia1)), from zb $((ib2 - ib1))"
check "each customer's packets reach its own server" test "$ga" -eq 100 -a "$gb" -eq 100
# A flow torn down by the garbage collector in the window sends a packet or
# two through the forward chain before it is offloaded again.
check "customer A: forward chain flat" [ $((a2 - a1)) -le 4 ]
check "customer B: forward chain flat" [ $((b2 - b1)) -le 4 ]
if [ "$(kernel_flavour)" != stock ]; then
	check "customer A: tunnel fast path (input hook flat)" [ $((ia2 - ia1)) -le 4 ]
fi
check "customer A: flow still [OFFLOAD]" offloaded_in 1
check "customer B: flow still [OFFLOAD]" offloaded_in 2
topo_down
done_testing
