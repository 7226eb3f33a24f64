#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 90
#
# The tunnel's remote is behind an ECMP route (two next hops, over eth1
# and a second underlay eth3, both in the flowtable).  The tunnel driver
# routes each packet with the inner flow's hash as the multipath hash; the
# fast path must do the same per flow (kernel/patches/ 0018), not send
# every flow of the tunnel to one next hop.  32 one-way UDP flows are
# offloaded (outer header in the fast path: the output hook stays flat),
# then each sends 50 datagrams: both underlays must carry some of them.
# With a per-flow hash, all 32 flows on one link happens with probability
# 2^-31; with the hash left out (the 17-patch series) it always does.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

NFLOWS=32 PER_FLOW=50

kt_setup ipip
ip -n router link add eth3 type veth peer name eth3 netns remote || bail "veth eth3"
topo_addr router eth3 192.168.3.1/24 fd00:3::1/64
topo_addr remote eth3 192.168.3.2/24 fd00:3::2/64
for ns in router remote; do
	in_ns $ns ip link add dummy0 type dummy || bail "dummy0 in $ns"
	in_ns $ns ip link set dummy0 up
	in_ns $ns sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth3.rp_filter=0 \
		net.ipv4.conf.eth1.rp_filter=0
done
in_ns router ip addr add 192.168.10.1/32 dev dummy0
in_ns remote ip addr add 192.168.10.2/32 dev dummy0
in_ns router ip route add 192.168.10.2/32 \
	nexthop via 192.168.1.2 dev eth1 nexthop via 192.168.3.2 dev eth3 || bail "ECMP route"
in_ns remote ip route add 192.168.10.1/32 via 192.168.1.1 dev eth1 || bail "route back"
in_ns router ip link set tun0 type ipip local 192.168.10.1 remote 192.168.10.2 || bail "tun0"
in_ns remote ip link set tun1 type ipip local 192.168.10.2 remote 192.168.10.1 || bail "tun1"
note "router: $(in_ns router ip route show 192.168.10.2 | tr -s ' \n' ' ')"
# The flowtable hooks the second underlay too (it exists only now).
KT_FT_EXTRA_DEVS=eth3 kt_router_ruleset
wait_until "$(deadline 20)" ping_ok client 10.2.0.2 || bail "no connectivity over the ECMP underlay"
kt_server_count_udp 7000

# send COUNT: COUNT datagrams from each of the NFLOWS source ports.
send() {
	in_ns client $PY - "$NFLOWS" "$1" <<'PYEOF'
import socket, sys, time
nflows, count = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(nflows):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 7100 + i))
    socks.append(s)
for _ in range(count):
    for s in socks:
        s.sendto(b"e" * 200, ("10.2.0.2", 7000))
    time.sleep(0.005)
PYEOF
}
offloaded_flows() {
	[ "$(in_ns router conntrack -L -p udp --dport 7000 2>/dev/null | grep -c '\[OFFLOAD\]')" -ge "$NFLOWS" ]
}
tx_packets() { in_ns router cat "/sys/class/net/$1/statistics/tx_packets"; }
got_at_least() { [ $(($(kt_server_got) - $1)) -ge "$2" ]; }

send 3
check "all $NFLOWS flows are [OFFLOAD]" wait_until "$(deadline 30)" offloaded_flows
a1=$(tx_packets eth1) b1=$(tx_packets eth3) o1=$(ctr out_tun) g1=$(kt_server_got)
send "$PER_FLOW"
check "the server got every datagram" \
	wait_until "$(deadline 30)" got_at_least "$g1" $((NFLOWS * PER_FLOW))
a=$(($(tx_packets eth1) - a1)) b=$(($(tx_packets eth3) - b1)) o=$(($(ctr out_tun) - o1))
note "eth1 tx +$a, eth3 tx +$b, output hook outer packets +$o"
check "the outer header was pushed in the fast path (output hook flat)" flat "$o"
check "eth1 carried at least one flow's datagrams" [ "$a" -ge "$PER_FLOW" ]
check "eth3 carried at least one flow's datagrams" [ "$b" -ge "$PER_FLOW" ]
topo_down
done_testing
