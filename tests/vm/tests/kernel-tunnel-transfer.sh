#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 135
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
# against the packets the underlay carried (the veth driver's count; all
# of these count socket buffers, so a 64 KiB GSO packet is one).  After
# the first round trips (the handshakes of iperf3's two connections and
# its control messages: about a dozen packets on either kernel) the flow
# must stay in the fast path: each counter may see at most KT_XFER_START
# (40) packets plus KT_XFER_FALLBACK (1%) of the underlay's.  A flow that
# falls back and is set up again over and over (a teardown cycle) shows up
# here.  The suite runs it on the patched kernel; on stock (--kernel stock)
# the forward chain stays as flat (10-13 packets a transfer, measured)
# while every outer packet goes through the stack, which the patched
# kernel's input/output checks would reject.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

KT_XFER_BYTES=20M
# Packets of the first round trips, then per mille of the underlay's.
KT_XFER_START=40
KT_XFER_FALLBACK=10

# underlay_stats: "packets bytes drops": what the router's eth1 carried,
# tx + rx, and the packets the router dropped on transmit through eth0 and
# eth1 (a GSO packet the fast path left malformed is dropped there).
underlay_stats() {
	local tp rp tb rb d0 d1
	read -r tp rp tb rb d0 d1 <<<"$(in_ns router sh -c 'cd /sys/class/net &&
		cat eth1/statistics/tx_packets eth1/statistics/rx_packets \
		eth1/statistics/tx_bytes eth1/statistics/rx_bytes \
		eth0/statistics/tx_dropped eth1/statistics/tx_dropped' | paste -sd' ')"
	echo $((tp + rp)) $((tb + rb)) $((d0 + d1))
}

# transfer FAM [-R]: one fixed-size iperf3 transfer; sets X_SLOW X_IN
# X_OUT X_PKTS X_BYTES X_DROP X_OK.
transfer() {
	local fam=$1 rev=${2:-} s1 i1 o1 p1 b1 x1 s2 i2 o2 p2 b2 x2
	read -r s1 i1 o1 <<<"$(ctr_many slow in_tun out_tun)"
	read -r p1 b1 x1 <<<"$(underlay_stats)"
	ip netns exec server iperf3 -s -1 >"$TMPDIR/iperf-server.out" 2>&1 &
	local srv=$!
	wait_until "$(deadline 10)" tcp_listening server 5201
	X_OK=no
	# A loaded host makes it slower, never shorter: no time limit but
	# the guest's.
	ip netns exec client iperf3 -c "$(kt_dst "$fam")" -n "$KT_XFER_BYTES" $rev \
		>"$TMPDIR/iperf.out" 2>&1 && X_OK=yes
	wait "$srv" 2>/dev/null
	read -r s2 i2 o2 <<<"$(ctr_many slow in_tun out_tun)"
	read -r p2 b2 x2 <<<"$(underlay_stats)"
	X_SLOW=$((s2 - s1)) X_IN=$((i2 - i1)) X_OUT=$((o2 - o1))
	X_PKTS=$((p2 - p1)) X_BYTES=$((b2 - b1)) X_DROP=$((x2 - x1))
	[ "$X_OK" = yes ] || sed 's/^/#   /' "$TMPDIR/iperf.out"
}

# fallback_ok N OF: N <= KT_XFER_START + OF * KT_XFER_FALLBACK / 1000
fallback_ok() { [ $(($1 * 1000)) -le $((KT_XFER_START * 1000 + $2 * KT_XFER_FALLBACK)) ]; }

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
			note "$what: underlay packets $X_PKTS ($X_BYTES bytes), slow $X_SLOW, in_tun $X_IN, out_tun $X_OUT, tx dropped $X_DROP"
			check "$what: transfer completes" [ "$X_OK" = yes ]
			check "$what: the underlay carried it (16 MiB at least: the end may still be in flight)" [ "$X_BYTES" -ge $((16 << 20)) ]
			check "$what: forward chain <= 40 + 1%" fallback_ok "$X_SLOW" "$X_PKTS"
			if [ "$flavour" != stock ]; then
				# (Stock itself drops some: kernel-tunnel-lib.sh.)
				check "$what: the router drops nothing on transmit" flat "$X_DROP"
				check "$what: outer rx through input <= 40 + 1%" fallback_ok "$X_IN" "$X_PKTS"
				check "$what: outer tx through output <= 40 + 1%" fallback_ok "$X_OUT" "$X_PKTS"
			fi
		done
	done
	topo_down
done
done_testing
