#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 45
#
# Flows offloaded through the tunnel device, as on a kernel without the
# series or for a flowtable without the tunnel flag (the fallback): the
# tunnel driver decapsulates, GRO merges, and the flowtable on tun0
# forwards the merged packets to the client.  Those packets arrive with
# their transport header on the network header; the stock flowtable
# forwards them so, and qdisc_pkt_len_init() drops the GSO ones as bad
# GSO (measured on stock: ~1500 per window of a sit stream received by
# the client).  kernel/patches/0023 sets the transport header of every
# forwarded packet: for sit (IPv6 inner) and gre (IPv4 inner), the tunnel
# flag cleared, a TCP stream from the server to the client is [OFFLOAD]
# and the router drops nothing on transmit.  Patched kernel only: on stock
# the drops are the known bug (kernel-tunnel-sit notes them).
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

KT_TUNNEL_FLAG=off
for kind in sit gre; do
	kt_setup "$kind"
	fam=${TOPO_INNER%% *}
	kt_stream "$fam" tcp -R
	what="$kind ipv$fam tcp -R through tun0 (tunnel flag off)"
	note "$what: $(grep -E 'receiver' "$TMPDIR/iperf.out" | tail -n 1 | tr -s ' ')"
	check "$what: traffic passes" [ "$DELIVERED_OK" = yes ]
	check "$what: flow is [OFFLOAD]" [ "$OFFLOADED" = yes ]
	check "$what: the outer packets take the classic path (input hook grows)" grows "$IN_TUN"
	check "$what: the router drops nothing on transmit" flat "$TX_DROPPED"
	topo_down
done
done_testing
