#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 500
# vm-timeout: 2400
#
# Long transfers through every tunnel kind as a user sets it up: tunnels
# with iproute2's defaults (the IPv6 ones send the encapsulation limit
# option), jumbo frames on the client's side (MTU 9000), MTU 2000 on the
# server's side, the tunnel at its default MTU, so that path MTU discovery
# runs in both directions.  For each kind and inner family, 20 MB of TCP
# each way (iperf3 -n: the window is the whole transfer, however long it
# takes), counting over it the packets that took the slow path anyway:
#   slow     router forward chain, after `flow add` (the inner flow)
#   in_tun   outer packets through the router's input hook (rx decap)
#   out_tun  outer packets through its output hook (tx encap)
# against the packets the underlay carried (the veth driver's count).
# After the first round trips (handshake, PMTU discovery: a few dozen
# packets) the flow must stay in the fast path: at most KT_XFER_FALLBACK
# (1%) of the underlay's packets may take the slow path, each counter on
# its own.  On the patched kernel that is all three; on the stock kernel
# the inner flow (the forward chain) only, the outer header being the
# stack's work there.  A flow that falls back and is set up again over and
# over (a teardown cycle) shows up here.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

KT_XFER_BYTES=20M
# Per mille of the underlay's packets.
KT_XFER_FALLBACK=10

# underlay_packets: tx+rx packets of the router's eth1.
underlay_packets() {
	local tx rx
	read -r tx rx <<<"$(in_ns router cat /sys/class/net/eth1/statistics/tx_packets \
		/sys/class/net/eth1/statistics/rx_packets | paste -sd' ')"
	echo $((tx + rx))
}

# transfer FAM [-R]: one fixed-size iperf3 transfer; sets X_SLOW X_IN
# X_OUT X_PKTS X_OK.
transfer() {
	local fam=$1 rev=${2:-} s1 i1 o1 p1 s2 i2 o2 p2
	read -r s1 i1 o1 <<<"$(ctr_many slow in_tun out_tun)"
	p1=$(underlay_packets)
	ip netns exec server iperf3 -s -1 >"$TMPDIR/iperf-server.out" 2>&1 &
	local srv=$!
	wait_until 10 bash -c "ip netns exec server ss -ltn | grep -q ':5201 '"
	X_OK=no
	# A loaded host makes it slower, never shorter: no time limit but
	# the guest's.
	ip netns exec client iperf3 -c "$(kt_dst "$fam")" -n "$KT_XFER_BYTES" $rev \
		>"$TMPDIR/iperf.out" 2>&1 && X_OK=yes
	wait "$srv" 2>/dev/null
	read -r s2 i2 o2 <<<"$(ctr_many slow in_tun out_tun)"
	p2=$(underlay_packets)
	X_SLOW=$((s2 - s1)) X_IN=$((i2 - i1)) X_OUT=$((o2 - o1)) X_PKTS=$((p2 - p1))
	[ "$X_OK" = yes ] || sed 's/^/#   /' "$TMPDIR/iperf.out"
}

# at_most_permille N OF: N <= OF * KT_XFER_FALLBACK / 1000
at_most_permille() { [ $(($1 * 1000)) -le $(($2 * KT_XFER_FALLBACK)) ]; }

mtus() {
	in_ns client ip link set eth0 mtu 9000 &&
		in_ns router ip link set eth0 mtu 9000 &&
		in_ns remote ip link set eth2 mtu 2000 &&
		in_ns server ip link set eth0 mtu 2000
}

flavour=$(kt_flavour)
for kind in ipip gre sit ip6ip6 ipip6 ip6gre; do
	kt_setup "$kind"
	mtus || bail "MTUs"
	note "$kind: tun0 mtu $(in_ns router cat /sys/class/net/tun0/mtu)"
	for fam in $TOPO_INNER; do
		for rev in "" -R; do
			what="$kind ipv$fam ${rev:+reverse }20 MB"
			transfer "$fam" $rev
			note "$what: underlay packets $X_PKTS, slow $X_SLOW, in_tun $X_IN, out_tun $X_OUT"
			check "$what: transfer completes" [ "$X_OK" = yes ]
			check "$what: the underlay carried it (>= 10000 packets)" [ "$X_PKTS" -ge 10000 ]
			check "$what: forward chain <= 1% of the packets" at_most_permille "$X_SLOW" "$X_PKTS"
			if [ "$flavour" != stock ]; then
				check "$what: outer rx through input <= 1%" at_most_permille "$X_IN" "$X_PKTS"
				check "$what: outer tx through output <= 1%" at_most_permille "$X_OUT" "$X_PKTS"
			fi
		done
	done
	topo_down
done
done_testing
