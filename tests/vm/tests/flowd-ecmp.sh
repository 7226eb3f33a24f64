#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 30
#
# A tunnel whose remote is behind an ECMP route (next hops over eth1 and
# eth3): the kernel sends each of the tunnel's flows out of the next hop its
# hash picks (kernel/patches/ 0018), so flowd must put every next hop's
# device in the flowtable, or the flows hashed to the missing one lose the
# outer acceleration while the status says "outer".  flowd learns the next
# hops from the route itself (RTM_GETROUTE with RTM_F_FIB_MATCH).  Checks:
# the flowtable holds eth0, eth1, eth3 and tun0; 32 UDP flows are all
# offloaded and counted on tun0; while they send, both underlays carry
# some and the router's output hook sees no outer packet (the fast path
# pushes every outer header); a next hop removed from the route leaves the
# flowtable.
. "$FLOWD_TOP/tests/vm/lib.sh"

NFLOWS=32 PER_FLOW=50

topo_up ipip
topo_ecmp_underlay
in_ns router nft -f - <<'NFT' || bail "router counters"
table inet test {
	counter out_tun { }
	chain output {
		type filter hook output priority 0; policy accept;
		meta l4proto 4 counter name out_tun
	}
}
NFT
flowd_conf "$TMPDIR/flowd.conf"
flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
st() { flowd_st "$@"; }

check "the flowtable holds both next hops' devices" \
	wait_until "$REACT" flowtable_is router "eth0 eth1 eth3 tun0"
check "status: tun0 rx outer" [ "$(st "t['tun0']['rx']['state']")" = outer ]
check "status: tun0 tx outer" [ "$(st "t['tun0']['tx']['state']")" = outer ]

tx_packets() { in_ns router cat "/sys/class/net/$1/statistics/tx_packets"; }
out_tun() { nft_counter router inet test out_tun; }
udp_flows_send $NFLOWS 3
check "all $NFLOWS flows are [OFFLOAD]" wait_until "$(deadline 30)" udp_flows_offloaded $NFLOWS
tun0_flows() { [ "$(st "t['tun0']['offloaded']['sw']")" -ge "$NFLOWS" ]; }
check "flowctl status counts them on tun0" wait_until "$REACT" tun0_flows
a1=$(tx_packets eth1) b1=$(tx_packets eth3) o1=$(out_tun)
udp_flows_send $NFLOWS "$PER_FLOW"
a=$(($(tx_packets eth1) - a1)) b=$(($(tx_packets eth3) - b1)) o=$(($(out_tun) - o1))
note "eth1 tx +$a, eth3 tx +$b, outer packets through the output hook +$o"
check "no outer packet through the router's stack" [ "$o" -le 20 ]
check "eth1 carried at least one flow's datagrams" [ "$a" -ge "$PER_FLOW" ]
check "eth3 carried at least one flow's datagrams" [ "$b" -ge "$PER_FLOW" ]

in_ns router ip route replace 192.168.10.2/32 via 192.168.1.2 dev eth1 || bail "single path"
check "a single next hop again: eth3 leaves the flowtable" \
	wait_until "$REACT" flowtable_is router "eth0 eth1 tun0"
check "flowd stops cleanly" flowd_stop
topo_down
done_testing
