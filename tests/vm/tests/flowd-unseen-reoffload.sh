#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 45
#
# Flows the kernel set up again without telling flowd are still flushed
# when their path changes.  The kernel sends no conntrack event when it
# tears a flow down or puts the same conntrack entry back into the
# flowtable: flowd learns both only from dumps.  Here the 40 UDP flows
# time out of the flowtable and a status dump empties flowd's table; the
# sender then brings the same conntrack entries back, with no NEW event.
# Nothing asks flowd for a status until tun0's underlay has moved to eth3:
# tun0's flows must be flushed all the same (flowd dumps what is
# offloaded before it looks for stale flows, and refreshes every 10 s
# while the flowtable has devices, with or without a flow known).  Before
# either, flowd's table stayed empty, nothing was flushed, and tun0's
# flows kept their old underlay in the fast path.
. "$FLOWD_TOP/tests/vm/lib.sh"

topo_up ipip
# A second underlay link, and a second address on the remote's eth1 for
# flows that leave through eth1 without the tunnel.
ip -n router link add eth3 type veth peer name eth3 netns remote || bail "veth eth3"
topo_addr router eth3 192.168.2.1/24 fd00:2::1/64
topo_addr remote eth3 192.168.2.2/24 fd00:2::2/64
in_ns remote ip addr add 192.168.1.3/24 dev eth1
flowd_conf "$TMPDIR/flowd.conf"
flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
check "initial flowtable" flowtable_is router "eth0 eth1 tun0"

# 10 UDP flows through tun0 and 30 straight out of eth1 (udp_flows_start),
# from one fixed source port: a sender started again sends in the same
# conntrack entries.
start_sender() { udp_flows_start 39999; }
stop_sender() { udp_flows_stop; }
# Runs the sender until the remote has received two of its rounds (40
# packets of 106 bytes or more each), however slowly python starts.
send_two_rounds() {
	dev_bytes remote eth1 || bail "no eth1 on remote"
	local rx0=$DEV_RX
	start_sender
	two_rounds() { dev_bytes remote eth1 && [ $((DEV_RX - rx0)) -ge 8480 ]; }
	wait_until "$(deadline 60)" two_rounds || bail "the sender sent nothing"
}
offl() { [ "$(ct_offloaded router 'dport=400[0-9][0-9]')" -ge "$1" ]; }
offl_tun() { [ "$(ct_offloaded router 'dst=10.2.0.2 .*dport=4000[0-9]')" -ge "$1" ]; }
flowd_offl() { flowd_st 'd["counters"]["offloaded_sw"] + d["counters"]["offloaded_hw"]'; }

send_two_rounds
check "40 UDP flows offloaded" wait_until "$(deadline 60)" offl 40
flowd_40() { [ "$(flowd_offl)" -eq 40 ]; }
check "flowd counts them" wait_until "$(deadline 60)" flowd_40
stop_sender

# --- out of the flowtable, and out of flowd's table ---
# A flow takes the flowtable timeout on its next packet.  The conntrack
# entries must outlive the flows' return (unreplied UDP: 30 s), so that
# the flows come back without a NEW event.
in_ns router sysctl -qw net.netfilter.nf_flowtable_udp_timeout=2 \
	net.netfilter.nf_conntrack_udp_timeout=600 ||
	bail "cannot set the UDP timeouts"
send_two_rounds
stop_sender
none_offl() { [ "$(ct_offloaded router 'dport=400[0-9][0-9]')" -eq 0 ]; }
check "idle, the 40 flows time out of the flowtable" wait_until "$(deadline 60)" none_offl
flowd_none() { [ "$(flowd_offl)" -eq 0 ]; }
check "and flowd, after a status dump, knows none offloaded" wait_until "$(deadline 60)" flowd_none
stale=$(flowd_st 'd["counters"]["stale_flushes"]')
tun_ids() { in_ns router conntrack -L -p udp -d 10.2.0.2 -o id 2>/dev/null | grep -o 'id=[0-9]*' | sort; }
ids_before=$(tun_ids)

# --- back into the flowtable, unseen ---
# Idle flows now stay offloaded far longer than this test runs.
in_ns router sysctl -qw net.netfilter.nf_flowtable_udp_timeout=600 ||
	bail "cannot raise nf_flowtable_udp_timeout"
start_sender
check "the sender sets the 40 flows up again (conntrack)" wait_until "$(deadline 60)" offl 40
stop_sender
same_ids() { [ "$(tun_ids)" = "$ids_before" ] && [ "$(wc -l <<<"$ids_before")" -eq 10 ]; }
check "tun0's 10 conntrack entries are the same ones: no NEW event told flowd" same_ids

# --- the path changes; no flowctl before flowd has acted ---
in_ns router ip route add 192.168.1.2/32 via 192.168.2.2 dev eth3
check "tun0's underlay moved to eth3 (read from nft)" \
	wait_until "$(deadline 60)" flowtable_is router "eth0 eth3 tun0"
# flowctl is answered after the reconcile that changed the flowtable.
flushed_more() { [ "$(flowd_st 'd["counters"]["stale_flushes"]')" -gt "${stale:-0}" ]; }
check "the move flushed stale flows (stale_flushes was ${stale:-?})" flushed_more
no_tun_offl() { ! offl_tun 1; }
check "tun0's flows left the fast path (the sender is idle: nothing sets them up again)" \
	wait_until "$(deadline 10)" no_tun_offl
