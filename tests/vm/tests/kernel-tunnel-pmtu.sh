#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 90
#
# The path MTU of the route to a tunnel's remote bounds a tunnel flow as it
# bounds the tunnel driver (kernel/patches/).  A gre tunnel carries an
# offloaded UDP flow of 1400 byte datagrams with DF set whose sender
# ignores path MTU (IP_PMTUDISC_PROBE).  Then the router learns a path MTU
# of 1200 for its outer packets (an ICMP fragmentation needed the remote
# sends about them).  From then on no outer packet longer than 1200 bytes
# leaves the router: the datagrams that no longer fit take the slow path,
# where the tunnel driver drops them and sends the client its ICMP
# fragmentation needed; a small datagram sent after them still passes.
# The stock kernel does this in the tunnel driver; the patched series
# before the fix set the flow up again with the MTU of the device and
# went on sending the long packets.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

# send_udp COUNT SIZE: COUNT datagrams of SIZE bytes client:7001 ->
# server:7000 with DF, whatever the path MTU.
send_udp() {
	in_ns client $PY - "$1" "$2" <<'PYEOF'
import socket, sys, time
n, size = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 3)  # IP_MTU_DISCOVER, IP_PMTUDISC_PROBE
s.bind(("0.0.0.0", 7001))
for _ in range(n):
    try:
        s.sendto(b"p" * size, ("10.2.0.2", 7000))
    except OSError:
        pass
    time.sleep(0.002)
PYEOF
}

# frag_needed MTU: the remote tells the router that its gre packets to
# 192.168.1.2 need fragmentation beyond MTU.
frag_needed() {
	in_ns remote $PY - "$1" <<'PYEOF'
import socket, struct, sys
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
mtu = int(sys.argv[1])
hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1452, 0, 0x4000, 64, 47, 0,
                  socket.inet_aton("192.168.1.1"), socket.inet_aton("192.168.1.2"))
hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
quote = hdr + struct.pack("!HH", 0, 0x0800) + b"\x45\x00\x05\x8c"
icmp = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(icmp, ("192.168.1.1", 0))
PYEOF
}

counters() {
	in_ns remote nft -f - <<'NFT' || bail "remote wire counters"
table netdev wire {
	counter big { }
	counter small { }
	chain ingress {
		type filter hook ingress device eth1 priority 0; policy accept;
		ip saddr 192.168.1.1 ip protocol gre ip length > 1200 counter name big
		ip saddr 192.168.1.1 ip protocol gre ip length < 300 counter name small
	}
}
NFT
	in_ns client nft -f - <<'NFT' || bail "client ICMP counter"
table inet pmtu {
	counter frag_needed { }
	chain input {
		type filter hook input priority 0; policy accept;
		icmp type destination-unreachable icmp code frag-needed counter name frag_needed
	}
}
NFT
}

wire() { nft_counter remote netdev wire "$1"; }
pmtu_learned() { in_ns router ip route get 192.168.1.2 | grep -q 'mtu 1200'; }

kt_setup gre
counters
note "kernel: $(kt_flavour) $(uname -r)"

send_udp 20 1400
check "UDP flow with DF offloaded" wait_until "$(deadline 20)" kt_offloaded 4 'dport=7000'
b1=$(wire big)
send_udp 50 1400
b2=$(wire big)
note "before the ICMP: $((b2 - b1)) of 50 outer packets over 1200 bytes on the wire"
check "before the path MTU is learned the long datagrams pass" [ $((b2 - b1)) -ge 45 ]

frag_needed 1200
check "the router learned the path MTU 1200 to the remote" wait_until "$(deadline 10)" pmtu_learned
note "$(in_ns router ip route get 192.168.1.2 | tr -s ' ' | tr '\n' ' ')"

b1=$(wire big) s1=$(wire small) i1=$(nft_counter client inet pmtu frag_needed)
send_udp 100 1400
send_udp 1 100
wait_until "$(deadline 10)" sh -c "[ \$(ip netns exec remote nft list counter netdev wire small | sed -n 's/.*packets \([0-9]*\).*/\1/p') -gt $s1 ]" ||
	note "the small datagram after the long ones did not reach the remote"
b2=$(wire big) s2=$(wire small) i2=$(nft_counter client inet pmtu frag_needed)
note "after the ICMP: $((b2 - b1)) outer packets over 1200 bytes, $((s2 - s1)) small, the client got $((i2 - i1)) ICMP fragmentation needed"
check "after the path MTU is learned no outer packet exceeds it" [ $((b2 - b1)) -eq 0 ]
check "the client gets its ICMP fragmentation needed" [ $((i2 - i1)) -ge 1 ]
check "a datagram that fits still passes" [ $((s2 - s1)) -ge 1 ]
topo_down
done_testing
