#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs inside the VM for tests/demo.sh: the seed topology, a flowtable on
# the router, a TCP stream through the IPIP tunnel, and what proves the
# stream took the fast path.
. "$FLOWD_TOP/tests/vm/lib.sh"

section() { printf '\n===== %s =====\n' "$*"; }

topo_up ipip
in_ns router nft -f - <<'NFT' || bail "loading the router ruleset"
table inet filter {
	counter slow_path { }
	flowtable ft {
		hook ingress priority 0
		devices = { eth0, eth1, tun0 }
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		meta l4proto { tcp, udp } flow add @ft
		meta l4proto tcp counter name slow_path
	}
}
NFT

section "router: addresses and routes"
in_ns router ip -br addr
in_ns router ip route
section "router: nft list ruleset"
in_ns router nft list ruleset

section "iperf3: client 10.0.0.2 -> server 10.2.0.2 through tun0 (10 s)"
iperf3_server server
in_ns client iperf3 -c 10.2.0.2 -t 10 -i 0 >"$TMPDIR/iperf.out" 2>&1 &
iperf=$!
sleep 4
section "router: conntrack -L during the stream"
in_ns router conntrack -L 2>/dev/null
c1=$(nft_counter router inet filter slow_path)
sleep 3
c2=$(nft_counter router inet filter slow_path)
wait $iperf
tail -n 4 "$TMPDIR/iperf.out"

section "offload proof"
n=$(ct_offloaded router 'dport=5201')
echo "flows in [OFFLOAD] state:              $n"
echo "slow-path forward counter over 3 s:    $((c2 - c1)) packets (flat = fast path)"
if [ "$n" -gt 0 ] && [ $((c2 - c1)) -le 2 ]; then
	echo "RESULT: the tunnel's TCP stream is offloaded to the flowtable"
else
	echo "RESULT: NOT offloaded"
	exit 1
fi
