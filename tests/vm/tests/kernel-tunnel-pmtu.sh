#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-reference: stock
# vm-cost: 100
#
# The path MTU of the route to a tunnel's remote bounds a tunnel flow as it
# bounds the tunnel driver (kernel/patches/).  For an IPv4 outer (gre) and
# an IPv6 outer (ip6gre) tunnel, the remote tells the router that its outer
# packets do not fit beyond it: an ICMP fragmentation needed (MTU 1200) or
# an ICMPv6 packet too big (MTU 1280, the least IPv6 allows), about one of
# the router's outer packets.
#   udp  an offloaded flow of 1400 byte datagrams with DF whose sender
#        ignores path MTU (IP_PMTUDISC_PROBE; inner IPv4 through both, and
#        inner IPv6 through ip6gre): from then on no outer packet longer
#        than the path MTU leaves the router, the datagrams that no longer
#        fit take the slow path, where the tunnel driver drops them and
#        sends the client its ICMP error (fragmentation needed, or packet
#        too big for inner IPv6), and a small datagram sent after them
#        still passes;
#   tcp  an offloaded TCP stream (inner IPv4) gets the same ICMP when the
#        path MTU drops under it, its sender learns the new size, and it
#        goes on, with no outer packet over the path MTU once the router
#        learned it (no flow set up again at the old MTU).
# The stock kernel does this in the tunnel driver.  The patched series
# without its fix (kernel/patches/0014) fails every case: the flow is set
# up again with the MTU of the device and outer packets over the path MTU
# go on leaving the router, the inner IPv6 and TCP senders get no ICMP
# error, and the TCP sender keeps its old MTU.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

# Outer addresses and path MTU of the tunnel kind under test.
pmtu_params() {
	if [ "$(topo_underlay_family "$1")" = 4 ]; then
		OSRC=192.168.1.1 ODST=192.168.1.2 MTU=1200
	else
		OSRC=fd00:1::1 ODST=fd00:1::2 MTU=1280
	fi
}

# send_udp FAM COUNT SIZE: COUNT datagrams of SIZE bytes client:7001 ->
# server:7000 with DF (IPv4) / without fragmentation (IPv6), whatever the
# path MTU.
send_udp() {
	local dst=10.2.0.2
	[ "$1" = 6 ] && dst=fd00:b::2
	in_ns client $PY - "$dst" "$2" "$3" <<'PYEOF'
import socket, sys, time
dst, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if ":" in dst:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, 23, 3)  # IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE
    s.setsockopt(socket.IPPROTO_IPV6, 62, 1)  # IPV6_DONTFRAG
    s.bind(("::", 7001))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, 10, 3)  # IP_MTU_DISCOVER, IP_PMTUDISC_PROBE
    s.bind(("0.0.0.0", 7001))
for _ in range(n):
    try:
        s.sendto(b"p" * size, (dst, 7000))
    except OSError:
        pass
    time.sleep(0.002)
PYEOF
}

# too_big KIND MTU: the remote tells the router that its outer packets of
# tunnel KIND to the remote need fragmentation / are too big beyond MTU,
# quoting one of them (outer header, GRE header, start of an inner IPv4
# header) as a router on the path would.
too_big() {
	in_ns remote $PY - "$(topo_underlay_family "$1")" "$2" <<'PYEOF'
import socket, struct, sys
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
ufam, mtu = sys.argv[1], int(sys.argv[2])
gre_inner = struct.pack("!HH", 0, 0x0800) + b"\x45\x00\x05\x8c" + bytes(16)
if ufam == "4":
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1452, 0, 0x4000, 64, 47, 0,
                      socket.inet_aton("192.168.1.1"), socket.inet_aton("192.168.1.2"))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + hdr + gre_inner[:8]
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(icmp, ("192.168.1.1", 0))
else:
    # The kernel fills in the ICMPv6 checksum of a raw ICMPv6 socket.
    hdr = struct.pack("!IHBB16s16s", 6 << 28, 1412, 47, 64,
                      socket.inet_pton(socket.AF_INET6, "fd00:1::1"),
                      socket.inet_pton(socket.AF_INET6, "fd00:1::2"))
    icmp = struct.pack("!BBHI", 2, 0, 0, mtu) + hdr + gre_inner
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.sendto(icmp, ("fd00:1::1", 0))
PYEOF
}

# counters: on the remote's eth1 ingress, the router's outer packets over
# the path MTU (big) and short ones (small); on the client, the ICMP errors
# it gets about its packets being too big.
counters() {
	local match big=$MTU
	if [ "$OSRC" = 192.168.1.1 ]; then
		match="ip saddr $OSRC ip protocol gre ip length"
	else
		# ip6 length is the payload length (the whole packet less 40).
		match="ip6 saddr $OSRC meta l4proto gre ip6 length" big=$((MTU - 40))
	fi
	in_ns remote nft -f - <<NFT || bail "remote wire counters"
table netdev wire {
	counter big { }
	counter small { }
	chain ingress {
		type filter hook ingress device eth1 priority 0; policy accept;
		$match > $big counter name big
		$match < 300 counter name small
	}
}
NFT
	in_ns client nft -f - <<'NFT' || bail "client ICMP counter"
table inet pmtu {
	counter too_big { }
	chain input {
		type filter hook input priority 0; policy accept;
		icmp type destination-unreachable icmp code frag-needed counter name too_big
		icmpv6 type packet-too-big counter name too_big
	}
}
NFT
}

wire() { nft_counter remote netdev wire "$1"; }
client_icmp() { nft_counter client inet pmtu too_big; }
client_mtu_at_most() {
	local mtu
	mtu=$(in_ns client ip route get 10.2.0.2 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
	[ -n "$mtu" ] && [ "$mtu" -le "$1" ]
}
small_in() { [ "$(wire small)" -gt "$1" ]; }
pmtu_learned() { in_ns router ip route get "$ODST" | grep -q "mtu $MTU"; }

# learn KIND: the ICMP from the remote, until the router has the path MTU.
learn() {
	too_big "$1" "$MTU"
	check "$1: the router learned the path MTU $MTU to the remote" \
		wait_until "$(deadline 10)" pmtu_learned
	note "$(in_ns router ip route get "$ODST" | tr -s ' ' | tr '\n' ' ')"
}

# pmtu_udp KIND FAM...: the UDP case for each inner family FAM.
pmtu_udp() {
	local kind=$1 fam b1 b2 s1 s2 i1 i2 what
	shift
	kt_setup "$kind"
	pmtu_params "$kind"
	counters
	note "kernel: $(kt_flavour) $(uname -r), tunnel $kind, path MTU $MTU"
	for fam in "$@"; do
		what="$kind ipv$fam udp"
		send_udp "$fam" 20 1400
		check "$what: flow with DF offloaded" wait_until "$(deadline 20)" kt_offloaded "$fam" 'dport=7000'
		if ! pmtu_learned; then
			b1=$(wire big)
			send_udp "$fam" 50 1400
			b2=$(wire big)
			note "$what: before the ICMP: $((b2 - b1)) of 50 outer packets over $MTU bytes on the wire"
			check "$what: before the path MTU is learned the long datagrams pass" [ $((b2 - b1)) -ge 45 ]
			learn "$kind"
		fi
		b1=$(wire big) s1=$(wire small) i1=$(client_icmp)
		send_udp "$fam" 100 1400
		send_udp "$fam" 1 100
		wait_until "$(deadline 10)" small_in "$s1" ||
			note "$what: the small datagram after the long ones did not reach the remote"
		b2=$(wire big) s2=$(wire small) i2=$(client_icmp)
		note "$what: after the ICMP: $((b2 - b1)) outer packets over $MTU bytes, $((s2 - s1)) small, the client got $((i2 - i1)) ICMP errors"
		check "$what: after the path MTU is learned no outer packet exceeds it" [ $((b2 - b1)) -eq 0 ]
		check "$what: the client gets its ICMP error" [ $((i2 - i1)) -ge 1 ]
		check "$what: a datagram that fits still passes" [ $((s2 - s1)) -ge 1 ]
	done
	topo_down
}

# pmtu_tcp KIND: the TCP case (inner IPv4).
pmtu_tcp() {
	local kind=$1 what="$1 ipv4 tcp" b1 i1 big1 big2 i2 alive=no more
	kt_setup "$kind"
	pmtu_params "$kind"
	counters
	# veth hands a GSO packet over whole, and the remote's ingress hook
	# would count it by its total length: the router's eth1 segments tunnel
	# packets in software instead, so the remote sees what a NIC would put
	# on the wire (segments of the inner flow's MSS, each with its outer
	# header).
	kt_underlay_soft_gso
	stream_begin server 10.2.0.2
	check "$what: stream offloaded" wait_until "$(deadline 30)" kt_offloaded 4 'dport=5201'
	i1=$(client_icmp)
	learn "$kind"
	# Packets already past the router's checks when it learned the path
	# MTU may still leave long: the window opens once the server has
	# received another 256 KiB, and then has to see 4 MiB more.
	b1=$(link_bytes server eth0 rx)
	wait_grown "$(deadline 60)" $((256 << 10)) "$b1" link_bytes server eth0 rx
	big1=$(wire big)
	b1=$(link_bytes server eth0 rx)
	wait_grown "$(deadline 90)" $((4 << 20)) "$b1" link_bytes server eth0 rx
	more=$GROWN
	big2=$(wire big) i2=$(client_icmp)
	stream_stop && alive=yes
	note "$what: after the ICMP the server received $more bytes, $((big2 - big1)) outer packets over $MTU bytes in the window, the client got $((i2 - i1)) ICMP errors; client: $(in_ns client ip route get 10.2.0.2 | tr -s ' ' | tr '\n' ' ')"
	check "$what: the client gets its ICMP error" [ $((i2 - i1)) -ge 1 ]
	# At least the smallest tunnel overhead (gre over IPv4, 24 bytes) under
	# the outer path MTU: 1176 through gre, 1228 through ip6gre.
	check "$what: the client's route to the server has the smaller MTU" \
		client_mtu_at_most $((MTU - 24))
	# (The ICMP is the remote's word only: nothing on the path drops the
	# long packets, so this shows the router kept forwarding, not that the
	# path carried them.)
	check "$what: the stream goes on" test "$more" -ge $((4 << 20)) -a "$alive" = yes
	check "$what: no outer packet over the path MTU once it is learned" [ $((big2 - big1)) -eq 0 ]
	topo_down
}

pmtu_udp gre 4
pmtu_udp ip6gre 4 6
pmtu_tcp gre
pmtu_tcp ip6gre
done_testing
