#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: debug
# vm-cost: 35
#
# Tunnel support must not make flows without a tunnel bigger.  A stock
# 6.12 struct flow_offload is 216 bytes, in kmalloc-256; until patch 0025
# the outer header and the transmit parameters of a tunnel sat in every
# flow's tuples, and every flow took 312 bytes from kmalloc-512.  The
# build has a static_assert on the size; this checks what the running
# kernel allocates.  /proc/slabinfo needs SLUB_DEBUG: the debug kernel.
#
# The router forwards the server's prefix over eth1, no tunnel on the way,
# with the tunnel flag on its flowtable (as flowd programs it).  NFLOWS
# one-way UDP flows from one client socket (no per-flow socket of its own
# in the kernel's caches) are offloaded; they must not take NFLOWS objects
# of kmalloc-512, and must take about as many of kmalloc-256.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

NFLOWS=400

[ -r /proc/slabinfo ] || bail "no /proc/slabinfo (a kernel without SLUB_DEBUG)"

# slab_active CACHE: the active objects of a slab cache.
slab_active() {
	local name active rest
	while read -r name active rest; do
		if [ "$name" = "$1" ]; then
			echo "$active"
			return 0
		fi
	done </proc/slabinfo
	return 1
}

# send_flows ROUNDS: one datagram to each of the server ports 7000... from
# one client socket, ROUNDS times (a flow is offloaded from its second).
send_flows() {
	in_ns client $PY - "$NFLOWS" "$1" <<'PYEOF'
import socket, sys
nflows, rounds = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.2", 6999))
for _ in range(rounds):
    for i in range(nflows):
        s.sendto(b"s" * 64, ("10.2.0.2", 7000 + i))
PYEOF
}

plain_offloaded() {
	[ "$(ct_offloaded_count router . "-p udp --sport 6999")" -ge "$NFLOWS" ]
}

kt_setup ipip
# No tunnel on the way: the two LANs route over eth1 at both ends.
in_ns router ip route replace 10.2.0.0/24 via 192.168.1.2 dev eth1 || bail "plain route (router)"
in_ns remote ip route replace 10.0.0.0/24 via 192.168.1.1 dev eth1 || bail "plain route (remote)"
wait_until "$(deadline 20)" ping_ok client 10.2.0.2 || bail "no connectivity over eth1"
# The server drops the datagrams quietly: no port unreachable back.
in_ns server nft add rule inet filter input udp dport 7000-$((7000 + NFLOWS - 1)) drop ||
	bail "server drop rule"

s256=$(slab_active kmalloc-256) || bail "no kmalloc-256 in /proc/slabinfo"
s512=$(slab_active kmalloc-512) || bail "no kmalloc-512 in /proc/slabinfo"
send_flows 2
check "$NFLOWS plain flows are [OFFLOAD]" wait_until "$(deadline 60)" plain_offloaded
d256=$(($(slab_active kmalloc-256) - s256))
d512=$(($(slab_active kmalloc-512) - s512))
note "active objects after $NFLOWS flows: kmalloc-256 +$d256, kmalloc-512 +$d512"
check "the flows took no kmalloc-512 object each (+$d512 < $((NFLOWS / 2)))" \
	[ "$d512" -lt $((NFLOWS / 2)) ]
check "the flows took a kmalloc-256 object each (+$d256 >= $((NFLOWS * 3 / 4)))" \
	[ "$d256" -ge $((NFLOWS * 3 / 4)) ]
check "no flow of them went through the tunnel" [ "$(ctr out_tun)" -le "$KT_FLAT" ]
kt_debug_kernel_log
done_testing
