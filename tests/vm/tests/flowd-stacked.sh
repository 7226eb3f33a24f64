#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 25
#
# The tunnel's underlay through stacked devices: a VLAN over eth1 puts eth1
# (the device the flowtable hooks) in the flowtable, not the VLAN; a bridge
# puts its ports in (where the flowtable's path walk keys the flow) and
# itself (where frames for the router arrive).  And flowd idles at zero CPU.
. "$FLOWD_TOP/tests/vm/lib.sh"

topo_up ipip
# Move the underlay onto VLAN 100 over eth1 on both sides.
for ns in router remote; do
	in_ns "$ns" ip link add link eth1 name eth1.100 type vlan id 100 || bail "vlan in $ns"
	in_ns "$ns" ip link set eth1.100 up
done
in_ns router ip addr add 192.168.50.1/24 dev eth1.100
in_ns remote ip addr add 192.168.50.2/24 dev eth1.100
in_ns router ip route add 192.168.1.2/32 via 192.168.50.2 dev eth1.100

flowd_conf "$TMPDIR/flowd.conf"
flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
check "VLAN underlay: eth1 (below eth1.100) is in the flowtable" flowtable_is router "eth0 eth1 tun0"
check "traffic flows over the VLAN underlay" ping_ok client 10.2.0.2

# Idle: no timers, no polling.  Read flowd's CPU time over 3 s.
cpu() { awk '{print $14 + $15}' "/proc/$FLOWD_PID/stat"; }
sleep 1
c1=$(cpu)
sleep 3
c2=$(cpu)
note "flowd CPU ticks over 3 s idle: $((c2 - c1))"
check "flowd uses no CPU while idle" [ $((c2 - c1)) -eq 0 ]

# Now a bridge: eth1 and a second port eth4 under br0, the underlay address
# on br0.
in_ns router ip route del 192.168.1.2/32 via 192.168.50.2 dev eth1.100
ip -n router link add eth4 type veth peer name eth4p || bail "veth eth4"
in_ns router ip link add br0 type bridge
in_ns router ip addr flush dev eth1
in_ns router ip link set eth1 master br0
in_ns router ip link set eth4 master br0
in_ns router ip link set eth4 up
in_ns router ip link set br0 up
in_ns router ip addr add 192.168.1.1/24 dev br0
check "bridge underlay: br0 and its ports eth1, eth4" \
	wait_until "$REACT" flowtable_is router "br0 eth0 eth1 eth4 tun0"
check "traffic flows over the bridge underlay" wait_until "$(deadline 20)" ping_ok client 10.2.0.2
check "flowd stops cleanly" flowd_stop

topo_down
done_testing
