#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 145
#
# Tunnel transmit through an underlay that cannot segment tunnel packets
# itself, as many NICs and PPPoE cannot: the router's eth1 gets its GRE
# and IP-in-IP segmentation offloads switched off, so every GSO packet the
# fast path encapsulates is segmented in software (gre_gso_segment(),
# ipip_gso_segment(), ...) from the inner headers the fast path set.  veth
# segments everything itself, so no other test runs that code.  For every
# kind and inner family, a TCP stream from the client into the tunnel:
# it passes, is [OFFLOAD] and the router drops nothing on transmit (a
# packet software GSO refuses is dropped there); on the patched kernel
# the outer packets also bypass the output hook.  The stock kernel runs
# the same streams through the tunnel device (the slow path for the
# outer header), which is what the patched kernel must not do worse than
# (for gre and ip6gre: see below).
# Before kernel/patches/0024, gre and ip6gre failed here: 4-6 Mbit/s and
# thousands of tx drops.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

# no_tunnel_gso: none of KT_TUNNEL_GSO is left on the router's eth1.
no_tunnel_gso() {
	local IFS='|'
	! in_ns router ethtool -k eth1 | grep -E "^(${KT_TUNNEL_GSO[*]}): on"
}

# The stock kernel is the reference for the two kinds whose software GSO
# the series once broke (gre, ip6gre: one IPv4 and one IPv6 underlay); its
# checks are the patched kernel's less the output hook, so running it for
# every kind would only show the same reference again.
kinds=(gre ip6gre ipip sit ip6ip6 ipip6)
[ "$(kt_flavour)" = stock ] && kinds=(gre ip6gre)
for kind in "${kinds[@]}"; do
	kt_setup "$kind"
	kt_underlay_soft_gso
	check "$kind: eth1 segments no tunnel packet itself" no_tunnel_gso
	for fam in $TOPO_INNER; do
		kt_stream "$fam" tcp
		what="$kind ipv$fam tcp, software GSO on the underlay"
		note "$what: $(grep -E 'sender' "$TMPDIR/iperf.out" | tail -n 1 | tr -s ' ')"
		check "$what: traffic passes" [ "$DELIVERED_OK" = yes ]
		check "$what: flow is [OFFLOAD]" [ "$OFFLOADED" = yes ]
		check "$what: the router drops nothing on transmit" flat "$TX_DROPPED"
		if [ "$(kt_flavour)" != stock ]; then
			check "$what: outer tx bypasses output" flat "$OUT_TUN"
		fi
	done
	topo_down
done
done_testing
