#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-reference: stock
# vm-cost: 25
#
# An ipip tunnel in mode mplsip carries MPLS only: its driver drops the
# IPv4 routed into it and the IPIP packets that arrive for it.  The fast
# path must carry nothing the driver drops (kernel/patches/ 0016).  The
# router's tun0 is mplsip (the remote's tun1 plain ipip, which would
# accept what a wrong fast path sends):
#   tx  an offloaded UDP flow into tun0: every datagram reaches the driver
#       (tun0 tx_errors) and none reaches the server;
#   rx  IPIP probes from the remote with the reverse flow's inner tuple:
#       every one reaches the router's input hook (the driver, which drops
#       it) and none reaches the client.
# Before 0016 the patched kernel encapsulated the flow and accepted the
# probes in the fast path.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

kt_setup ipip
in_ns router ip link del tun0 || bail "del tun0"
in_ns router ip link add tun0 type ipip mode mplsip local 192.168.1.1 remote 192.168.1.2 ||
	bail "tun0 mode mplsip"
topo_addr router tun0 192.168.100.1/24 fd00:100::1/64
in_ns router ip route add 10.2.0.0/24 dev tun0 || bail "route via tun0"
note "router: $(in_ns router ip -d link show tun0 | sed -n 3p | tr -s ' ')"
# The flowtable's device list named the old tun0: load it again.
kt_router_ruleset
kt_server_count_udp 7000

tx_errors() { in_ns router cat /sys/class/net/tun0/statistics/tx_errors; }
grown_by() { [ $(($("$1") - $2)) -ge "$3" ]; }
in_tun() { ctr in_tun; }

# tx: 60 datagrams client:7001 -> server:7000, 20 ms apart; the flow is
# offloaded after its first packets.
e1=$(tx_errors) s1=$(kt_server_got)
in_ns client $PY - <<'PYEOF'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7001))
for _ in range(60):
    s.sendto(b"x" * 100, ("10.2.0.2", 7000))
    time.sleep(0.02)
PYEOF
check "tx: every datagram reached the tunnel driver (tun0 tx_errors +60)" \
	wait_until "$(deadline 20)" grown_by tx_errors "$e1" 60
note "tun0 tx_errors +$(($(tx_errors) - e1)), server got $(($(kt_server_got) - s1))"
check "tx: the flow is [OFFLOAD]" kt_offloaded 4 'sport=7001 dport=7000'
check "tx: the server got none of them" [ $(($(kt_server_got) - s1)) -eq 0 ]

# rx: the probe flow client:6000 -> server:5000 offloaded, then 20 IPIP
# probes from the remote with its reverse tuple.
kt_probe_args 4
check "rx: probe flow offloaded" kt_probe_flow 4
i1=$(in_tun) g1=$(ctr_many_in client got)
kt_injector_send "${PROBE[@]}" --count 20 || bail "injector"
check "rx: every probe reached the router's input hook" \
	wait_until "$(deadline 20)" grown_by in_tun "$i1" 20
note "in_tun +$(($(in_tun) - i1)), client got $(($(ctr_many_in client got) - g1))"
check "rx: the client got none of them" [ $(($(ctr_many_in client got) - g1)) -eq 0 ]
topo_down
done_testing
