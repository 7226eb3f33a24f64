#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 30
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
topo_ecmp_underlay
# The flowtable hooks the second underlay too (it exists only now).
KT_FT_EXTRA_DEVS=eth3 kt_router_ruleset
kt_server_count_udp 7000

tx_packets() { in_ns router cat "/sys/class/net/$1/statistics/tx_packets"; }
got_at_least() { [ $(($(kt_server_got) - $1)) -ge "$2" ]; }

udp_flows_send $NFLOWS 3
check "all $NFLOWS flows are [OFFLOAD]" wait_until "$(deadline 30)" udp_flows_offloaded $NFLOWS
a1=$(tx_packets eth1) b1=$(tx_packets eth3) o1=$(ctr out_tun) g1=$(kt_server_got)
udp_flows_send $NFLOWS "$PER_FLOW"
check "the server got every datagram" \
	wait_until "$(deadline 30)" got_at_least "$g1" $((NFLOWS * PER_FLOW))
a=$(($(tx_packets eth1) - a1)) b=$(($(tx_packets eth3) - b1)) o=$(($(ctr out_tun) - o1))
note "eth1 tx +$a, eth3 tx +$b, output hook outer packets +$o"
check "the outer header was pushed in the fast path (output hook flat)" flat "$o"
check "eth1 carried at least one flow's datagrams" [ "$a" -ge "$PER_FLOW" ]
check "eth3 carried at least one flow's datagrams" [ "$b" -ge "$PER_FLOW" ]
topo_down
done_testing
