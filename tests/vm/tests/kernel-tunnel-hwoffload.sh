#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 60
#
# Hardware offload never receives tunnel flows (kernel/patches/).
#
# The test kernels carry kernel/tests/nf_flow_table_hw_probe.c, a stand-in
# for offload hardware that, once enabled, accepts the flowtable binding of
# every device and every flow rule, and counts the rules.  The router's
# flowtable gets `flags offload`.  A plain flow (client -> the remote's
# underlay address, eth0 -> eth1) must be handed to the "hardware"
# ([HW_OFFLOAD], rule counter grows): that proves the probe works.  A flow
# through the tunnel must stay in the software fast path: [OFFLOAD] but
# never [HW_OFFLOAD], its outer packets still bypassing the stack.  On the
# stock kernel the tunnel flow does go to the hardware, which is the bug
# the series avoids (the hardware would forward the inner packet without
# its outer header) and shows that this test can fail.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

PARAMS=/sys/module/nf_flow_table_hw_probe/parameters
[ -w "$PARAMS/enable" ] || bail "the test kernel has no nf_flow_table_hw_probe"
echo 1 >"$PARAMS/enable" || bail "enabling the offload probe"
KT_FT_FLAGS=offload

replaced() { cat "$PARAMS/replaced"; }

# ct_has FAM PATTERN STATUS: conntrack shows a flow matching PATTERN
# (a grep -E expression) with STATUS ([OFFLOAD] or [HW_OFFLOAD]).
ct_has() {
	in_ns router conntrack -L -f "ipv$1" 2>/dev/null | grep -E -- "$2" | grep -qF -- "$3"
}

hw_run() {
	local kind=$1 ufam ifam plain_src plain_dst tun_dst
	kt_setup "$kind"
	ufam=$(topo_underlay_family "$kind")
	ifam=${TOPO_INNER%% *}
	note "kernel: $(kt_flavour) $(uname -r), tunnel $kind"

	# The plain flow: a second client address whose replies the remote
	# routes back over the underlay, not through its tunnel.
	if [ "$ufam" = 4 ]; then
		plain_src=10.0.0.3 plain_dst=192.168.1.2
		in_ns client ip addr add 10.0.0.3/24 dev eth0 || bail "client address"
		in_ns remote ip route add 10.0.0.3/32 via 192.168.1.1 || bail "remote route"
	else
		plain_src=fd00:a::3 plain_dst=fd00:1::2
		in_ns client ip -6 addr add fd00:a::3/64 dev eth0 nodad || bail "client address"
		in_ns remote ip -6 route add fd00:a::3/128 via fd00:1::1 || bail "remote route"
	fi
	tun_dst=10.2.0.2
	[ "$ifam" = 6 ] && tun_dst=fd00:b::2

	local r0 r1 t0 hw_ms
	r0=$(replaced)
	t0=$(date +%s%N)
	stream_begin remote "$plain_dst" -B "$plain_src"
	check "$kind: plain flow handed to the offload hardware" \
		wait_until "$(deadline 30)" ct_has "$ufam" "dst=$plain_dst .*dport=5201" "[HW_OFFLOAD]"
	hw_ms=$((($(date +%s%N) - t0) / 1000000))
	note "the plain flow was [HW_OFFLOAD] $hw_ms ms after its stream started"
	r1=$(replaced)
	check "$kind: the probe accepted its rules" [ "$r1" -gt "$r0" ]
	note "probe rules accepted: $r0 -> $r1"
	# Traffic passes: the remote receives another MB, and the stream has
	# not failed.
	local b1
	b1=$(link_bytes remote eth1 rx)
	wait_grown "$(deadline 60)" 1000000 "$b1" link_bytes remote eth1 rx
	local more=$GROWN alive=no
	stream_stop && alive=yes
	check "$kind: plain flow traffic passes" test "$more" -ge 1000000 -a "$alive" = yes

	stream_begin server "$tun_dst"
	check "$kind: tunnel flow is offloaded" \
		wait_until "$(deadline 30)" ct_has "$ifam" "dst=$tun_dst .*dport=5201" "OFFLOAD]"
	if [ "$(kt_flavour)" = stock ]; then
		check "$kind: stock: tunnel flow handed to the hardware too" \
			wait_until "$(deadline 30)" ct_has "$ifam" "dst=$tun_dst .*dport=5201" "[HW_OFFLOAD]"
	else
		# The offload work runs from a workqueue: give it time to be
		# wrong, twice what the plain flow took above (3 s at least),
		# while the outer packets are watched over a window of at least
		# a stream's window of underlay bytes (kernel-tunnel-lib.sh).
		local i1 o1 i2 o2 min_ms win=yes
		min_ms=$((hw_ms * 2 > 3000 ? hw_ms * 2 : 3000))
		read -r i1 o1 <<<"$(ctr_many in_tun out_tun)"
		t0=$(date +%s%N)
		kt_wait_underlay "$(deadline 60)" $KT_WIN_DATA $KT_WIN_ACK || win=no
		while [ $((($(date +%s%N) - t0) / 1000000)) -lt $min_ms ]; do sleep 0.2; done
		read -r i2 o2 <<<"$(ctr_many in_tun out_tun)"
		check_not "$kind: tunnel flow never [HW_OFFLOAD]" \
			ct_has "$ifam" "dst=$tun_dst .*dport=5201" "[HW_OFFLOAD]"
		check "$kind: tunnel flow still [OFFLOAD] (software fast path)" \
			ct_has "$ifam" "dst=$tun_dst .*dport=5201" "[OFFLOAD]"
		note "outer packets through the stack in $((($(date +%s%N) - t0) / 1000000)) ms while the underlay carried $KT_GTX tx / $KT_GRX rx bytes: input $((i2 - i1)) output $((o2 - o1))"
		check "$kind: outer rx bypasses input" test "$win" = yes -a $((i2 - i1)) -le "$KT_FLAT"
		check "$kind: outer tx bypasses output" test "$win" = yes -a $((o2 - o1)) -le "$KT_FLAT"
	fi
	b1=$(link_bytes server eth0 rx)
	wait_grown "$(deadline 60)" 1000000 "$b1" link_bytes server eth0 rx
	more=$GROWN alive=no
	stream_stop && alive=yes
	check "$kind: tunnel flow traffic passes" test "$more" -ge 1000000 -a "$alive" = yes
	topo_down
}

for kind in ipip ip6ip6; do
	hw_run "$kind"
done
done_testing
