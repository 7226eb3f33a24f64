#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 235
#
# The outer header the fast path pushes must be the one the tunnel driver
# (slow path) sends for the same tunnel configuration: capture the router's
# outer packets on the remote's underlay, once offloaded and once with the
# flowtable removed, and compare TTL/hop limit, TOS/traffic class with ECN,
# DF, IPv6 flow label and protocol field by field.  Inner packets carry
# DSCP 10 with ECT(0) and then, in the same flow, CE.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

# send_udp FAM SPORT COUNT TOS...: client -> server:7000 from one socket,
# COUNT datagrams with each TOS in turn (one flow: the flowtable does not
# key on the TOS, so once offloaded it stays offloaded when it changes).
send_udp() {
	local dst=10.2.0.2
	[ "$1" = 6 ] && dst=fd00:b::2
	local sport=$2 n=$3 tos toses=()
	shift 3
	for tos in "$@"; do toses+=(-t "$tos"); done
	in_ns client "$FLOWD_UDP_SEND" -b "$sport" -n "$n" -i 50 -s 100 "${toses[@]}" "$dst" 7000
}

# outer_fields FAM SPORT TOS...: send 12 packets with each TOS in turn, one
# flow, and print per TOS the outer header fields (without id and length)
# of the last 4 of its 12 the remote received: by then the flow is
# offloaded when the flowtable is there.  The capture runs from the moment
# tcpdump says it listens until it has every packet (or a generous
# deadline), not for a fixed time.
outer_fields() {
	local fam=$1 sport=$2 ufam filter n i tos
	shift 2
	n=$((12 * $#))
	ufam=$(topo_underlay_family "$TOPO_KIND")
	# Not the router's neighbour discovery: only the probes count.
	if [ "$ufam" = 4 ]; then filter="src host 192.168.1.1"; else filter="src host fd00:1::1 and not icmp6"; fi
	rm -f "$TMPDIR/cap.pcap"
	ip netns exec remote tcpdump -i eth1 -n -U -c $n -w "$TMPDIR/cap.pcap" "$filter" \
		>/dev/null 2>"$TMPDIR/tcpdump.err" &
	local td=$!
	wait_until "$(deadline 30)" grep -q 'listening on' "$TMPDIR/tcpdump.err" ||
		note "tcpdump did not start: $(cat "$TMPDIR/tcpdump.err")"
	send_udp "$fam" "$sport" 12 "$@"
	# tcpdump -c exits once it has them.
	wait_until "$(deadline 30)" bash -c "! kill -0 $td 2>/dev/null" ||
		note "tcpdump captured fewer than $n packets in $(deadline 30) s"
	kill -INT "$td" 2>/dev/null
	wait "$td"
	local lines
	lines=$(tcpdump -r "$TMPDIR/cap.pcap" -n -v 2>/dev/null | grep -E '^[0-9:.]+ IP6? \(' |
		sed -E 's/^[0-9:.]+ //; s/, id [0-9]+//; s/, length [0-9]+//; s/payload length: [0-9]+//; s/offset [0-9]+, //' |
		sed -E 's/^(IP6? \(([^()]|\([^()]*\))*\)).*/\1/')
	i=0
	for tos in "$@"; do
		i=$((i + 12))
		echo "tos $tos: $(sed -n "$((i - 3)),${i}p" <<<"$lines" | sort -u | paste -sd'|')"
	done
}

same_nonempty() { [ -n "$1" ] && [ "$1" = "$2" ]; }

# compare_kind KIND [ip link set options]: with only_inner=FAM in the
# environment, only that inner family.
compare_kind() {
	local kind=$1
	shift
	kt_setup "$kind"
	# Tunnel parameters under test.
	if [ $# -gt 0 ]; then
		in_ns router ip link set tun0 "$@" || bail "ip link set tun0 $*"
	fi
	note "$kind tun0: $(in_ns router ip -d link show tun0 | sed -n 3p | tr -s ' ')"
	# DSCP 10 with ECT(0), then with CE.
	local fam sport=7100 fast slow tos toses=(0x2a 0x2b)
	for fam in ${only_inner:-$TOPO_INNER}; do
		sport=$((sport + 1))
		fast=$(outer_fields "$fam" "$sport" "${toses[@]}")
		check "$kind ipv$fam: flow offloaded" \
			bash -c "ip netns exec router conntrack -L 2>/dev/null | grep -F '[OFFLOAD]' | grep -q 'sport=$sport'"
		in_ns router nft delete rule inet filter forward handle \
			"$(in_ns router nft -a list chain inet filter forward | sed -n 's/.*flow add @ft.*# handle \([0-9]*\)/\1/p')"
		in_ns router conntrack -F 2>/dev/null
		sport=$((sport + 1))
		slow=$(outer_fields "$fam" "$sport" "${toses[@]}")
		kt_router_ruleset
		note "fast: ${fast//$'\n'/; }"
		note "slow: ${slow//$'\n'/; }"
		for tos in "${toses[@]}"; do
			check "$kind ipv$fam tos $tos: fast path outer header = slow path's" \
				same_nonempty "$(grep "^tos $tos: ." <<<"$fast")" "$(grep "^tos $tos: ." <<<"$slow")"
		done
	done
	topo_down
}

compare_kind ipip
compare_kind ipip type ipip ttl 77 tos inherit
compare_kind ipip type ipip ttl 0 tos 0x10 nopmtudisc
compare_kind gre type gre ttl 33 tos 0x20 key 0x1234
compare_kind sit type sit ttl 0 tos inherit
compare_kind ip6ip6 type ip6tnl hoplimit 33 tclass inherit flowlabel 0x12345
compare_kind ipip6 type ip6tnl hoplimit 0 tclass 0x20 flowlabel inherit encaplimit none
compare_kind ip6gre type ip6gre hoplimit 7 tclass inherit flowlabel 0xabcde
# Automatic flow labels (iproute2's default: no flowlabel).  For a packet
# without a hash of its own, the fast path takes the hash of the outer
# flow it keeps per flow; ip6gre's includes the output key, as the
# driver's does.  IPv4 inner packets only: the client's IPv6 UDP packets
# carry their socket's hash, which then is the label on either path, and
# the two captures come from two sockets (seen on stock: two sockets, two
# labels; IPv4: one).
only_inner=4 compare_kind ipip6
only_inner=4 compare_kind ip6gre type ip6gre key 0x4321
done_testing
