#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 30
#
# flowd follows the router as it changes: a tunnel deleted and re-created
# is back in the flowtable (and offloaded again) promptly; a route change
# that moves the tunnel's underlay to another device moves it in the
# flowtable; `nft flush ruleset` and `nft delete table` are repaired
# promptly; route churn that moves no underlay sends no batch.
. "$FLOWD_TOP/tests/vm/lib.sh"

topo_up ipip
# A second underlay link between the router and the remote endpoint.
ip -n router link add eth3 type veth peer name eth3 netns remote || bail "veth eth3"
topo_addr router eth3 192.168.2.1/24 fd00:2::1/64
topo_addr remote eth3 192.168.2.2/24 fd00:2::2/64
slow_path_counter_up router
flowd_conf "$TMPDIR/flowd.conf"
flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
check "initial flowtable" flowtable_is router "eth0 eth1 tun0"

# --- tunnel deleted and re-created ---
in_ns router ip link del tun0
check "tun0 deleted: tun0 and its underlay leave" wait_until "$REACT" flowtable_is router "eth0"
in_ns router ip link add tun0 type ipip local 192.168.1.1 remote 192.168.1.2
in_ns router ip addr add 192.168.100.1/24 dev tun0
in_ns router ip link set tun0 up
in_ns router ip route add 10.2.0.0/24 dev tun0
check "tun0 re-created: back in the flowtable" wait_until "$REACT" flowtable_is router "eth0 eth1 tun0"
stream_start
check "a new stream through the new tun0 is [OFFLOAD]" wait_until "$(deadline 30)" stream_offloaded
stream_stop

# --- the underlay moves to eth3 ---
in_ns router ip route add 192.168.1.2/32 via 192.168.2.2 dev eth3
check "route change: underlay eth1 -> eth3" wait_until "$REACT" flowtable_is router "eth0 eth3 tun0"
check "traffic flows over the new underlay" ping_ok client 10.2.0.2
in_ns router ip route del 192.168.1.2/32 via 192.168.2.2 dev eth3
check "route removed: underlay back to eth1" wait_until "$REACT" flowtable_is router "eth0 eth1 tun0"

# --- route churn that moves no underlay: no batch ---
sleep 0.5
before=$(grep -c 'updating table' "$TMPDIR/flowd.log")
for i in $(seq 1 200); do
	echo "route add 172.16.$((i / 250)).$((i % 250))/32 via 192.168.100.2 dev tun0"
done | in_ns router ip -batch -
in_ns router ip route flush 172.16.0.0/16
sleep 0.5
after=$(grep -c 'updating table' "$TMPDIR/flowd.log")
check "400 unrelated route changes send no batch" [ "$before" -eq "$after" ]

# --- changes behind flowd's back ---
in_ns router nft flush ruleset
check "nft flush ruleset: table restored" wait_until "$REACT" flowtable_is router "eth0 eth1 tun0"
in_ns router nft delete table inet flowd
check "nft delete table: restored" wait_until "$REACT" flowtable_is router "eth0 eth1 tun0"
in_ns router nft delete flowtable inet flowd ft '{ devices = { eth1 } ; }' 2>/dev/null ||
	in_ns router nft 'delete flowtable inet flowd ft { hook ingress priority 0; devices = { eth1 }; }'
check "a device removed by hand: put back" wait_until "$REACT" flowtable_is router "eth0 eth1 tun0"
in_ns router nft add rule inet flowd forward counter
check "a foreign rule in flowd's chain: removed" wait_until "$REACT" \
	bash -c '[ "$(ip netns exec router nft list chain inet flowd forward | grep -c "^[[:space:]]*counter")" -eq 0 ]'
check "flowd still running" kill -0 "$FLOWD_PID"
check "flowd stops cleanly" flowd_stop

topo_down
done_testing
