#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 400
#
# The outer header the fast path pushes must be the one the tunnel driver
# (slow path) sends for the same tunnel configuration: capture the router's
# outer packets on the remote's underlay, once offloaded and once with the
# flowtable removed, and compare TTL/hop limit, TOS/traffic class with ECN,
# DF, IPv6 flow label and protocol field by field.  Inner packets carry
# DSCP 10 with ECT(0) and, in a second round, CE.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

# send_udp FAM TOS SPORT COUNT: client -> server:7000.
send_udp() {
	local dst=10.2.0.2
	[ "$1" = 6 ] && dst=fd00:b::2
	in_ns client $PY - "$dst" "$2" "$3" "$4" <<'PYEOF'
import socket, sys, time
dst, tos, sport, n = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3]), int(sys.argv[4])
if ":" in dst:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, tos)
    s.bind(("::", sport))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
    s.bind(("0.0.0.0", sport))
for _ in range(n):
    s.sendto(b"x" * 100, (dst, 7000))
    time.sleep(0.05)
PYEOF
}

# outer_fields FAM TOS SPORT: send 12 packets, print the outer header
# fields of the last 4 the remote received (without id and length).  The
# capture runs from the moment tcpdump says it listens until it has 12
# packets (or a generous deadline), not for a fixed time.
outer_fields() {
	local ufam filter
	ufam=$(topo_underlay_family "$TOPO_KIND")
	# Not the router's neighbour discovery: only the 12 count.
	if [ "$ufam" = 4 ]; then filter="src host 192.168.1.1"; else filter="src host fd00:1::1 and not icmp6"; fi
	rm -f "$TMPDIR/cap.pcap"
	ip netns exec remote tcpdump -i eth1 -n -U -c 12 -w "$TMPDIR/cap.pcap" "$filter" \
		>/dev/null 2>"$TMPDIR/tcpdump.err" &
	local td=$!
	wait_until "$(deadline 30)" grep -q 'listening on' "$TMPDIR/tcpdump.err" ||
		note "tcpdump did not start: $(cat "$TMPDIR/tcpdump.err")"
	send_udp "$1" "$2" "$3" 12
	# tcpdump -c 12 exits once it has them.
	wait_until "$(deadline 30)" bash -c "! kill -0 $td 2>/dev/null" ||
		note "tcpdump captured fewer than 12 packets in $(deadline 30) s"
	kill -INT "$td" 2>/dev/null
	wait "$td"
	tcpdump -r "$TMPDIR/cap.pcap" -n -v 2>/dev/null | grep -E '^[0-9:.]+ IP6? \(' | tail -n 4 |
		sed -E 's/^[0-9:.]+ //; s/, id [0-9]+//; s/, length [0-9]+//; s/payload length: [0-9]+//; s/offset [0-9]+, //' |
		sed -E 's/^(IP6? \(([^()]|\([^()]*\))*\)).*/\1/' |
		sort -u
}

same_nonempty() { [ -n "$1" ] && [ "$1" = "$2" ]; }

compare_kind() {
	local kind=$1
	shift
	kt_setup "$kind"
	# Tunnel parameters under test.
	if [ $# -gt 0 ]; then
		in_ns router ip link set tun0 "$@" || bail "ip link set tun0 $*"
	fi
	note "$kind tun0: $(in_ns router ip -d link show tun0 | sed -n 3p | tr -s ' ')"
	local fam tos sport=7100 fast slow
	for fam in $TOPO_INNER; do
		for tos in 0x2a 0x2b; do
			sport=$((sport + 1))
			fast=$(outer_fields "$fam" "$tos" "$sport")
			check "$kind ipv$fam tos $tos: flow offloaded" \
				bash -c "ip netns exec router conntrack -L 2>/dev/null | grep -F '[OFFLOAD]' | grep -q 'sport=$sport'"
			in_ns router nft delete rule inet filter forward handle \
				"$(in_ns router nft -a list chain inet filter forward | sed -n 's/.*flow add @ft.*# handle \([0-9]*\)/\1/p')"
			in_ns router conntrack -F 2>/dev/null
			sport=$((sport + 1))
			slow=$(outer_fields "$fam" "$tos" "$sport")
			kt_router_ruleset
			note "fast: $fast"
			note "slow: $slow"
			check "$kind ipv$fam tos $tos: fast path outer header = slow path's" \
				same_nonempty "$fast" "$slow"
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
done_testing
