#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-reference: stock
# vm-cost: 90
# vm-timeout: 1800
#
# A tunnel whose local address is removed (the tunnel device stays) no
# longer receives in the fast path (kernel/patches/, "tunnel flows only
# while the local outer address is ours").  The slow path does not
# decapsulate an outer packet to an address the router no longer has,
# and the tunnel driver sends nothing from it.
#
# For sit (IPv6 inside IPv4), ipip6 (IPv4 inside IPv6) and ip6ip6, made
# with iproute2's defaults: the router keeps a host route to the remote
# that does not depend on the address (so the tunnel's path can still be
# resolved), an inner probe flow is offloaded, then the router's underlay
# address (the tunnel's local end) is removed.  Probes the remote then
# sends to that address, marked for the router's slow path drop rule:
#   - on the flow that was offloaded: none is delivered, the slow path
#     sees them all;
#   - after the client opens the probe flow again (the flow is set up
#     again with the address gone): the same.
# The series before this fix kept receiving in both cases: an address
# removal flushes the routes of its own family only, and an IPv6 one not
# even those, so the receive direction's inner route stayed valid; and a
# flow could be set up with a local address that is not local.  The stock
# kernel does all this in its slow path, so the stock run is the reference
# (run-tests.sh --reference), not part of every run.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

# marked_probes N: N probes from the remote, marked (outer IPv4 id or IPv6
# flow label 0xbeef) so that the router's slow path drops and counts them;
# waits until it counted them all (or the deadline); sets GOT (delivered
# to the client: by the fast path, as the slow path drops them) and SPOOF.
marked_probes() {
	local n=$1 g1 d1
	g1=$(nft_counter client inet filter got)
	d1=$(ctr spoof_drop)
	kt_injector_send "${PROBE[@]}" --count "$n" --ident 0xbeef ||
		bail "injector failed"
	wait_until "$(deadline 20)" spoof_at_least $((d1 + n)) ||
		note "the slow path dropped only $(($(ctr spoof_drop) - d1)) of $n probes"
	GOT=$(($(nft_counter client inet filter got) - g1))
	SPOOF=$(($(ctr spoof_drop) - d1))
	note "marked probes: client got $GOT, slow path dropped $SPOOF"
}

spoof_at_least() { [ "$(ctr spoof_drop)" -ge "$1" ]; }

probe_not_offloaded() { [ "$(ct_offloaded router 'sport=6000 dport=5000')" -eq 0 ]; }

# local_addr_gone KIND
local_addr_gone() {
	local kind=$1 fam ufam n=20 what
	kt_setup "$kind"
	fam=${TOPO_INNER%% *}
	ufam=$(topo_underlay_family "$kind")
	what="$kind (inner IPv$fam)"
	note "kernel: $(kt_flavour) $(uname -r), tunnel $kind"
	# The route to the remote that stays when the address goes (before
	# the probe flow: a route change tears offloaded flows down).
	if [ "$ufam" = 4 ]; then
		in_ns router ip route add 192.168.1.2/32 dev eth1 || bail "host route"
	else
		in_ns router ip -6 route add fd00:1::2/128 dev eth1 || bail "host route"
	fi
	kt_probe_args "$fam"
	check "$what: probe flow offloaded" kt_probe_flow "$fam"
	kt_inject --count $n
	check "$what: probes delivered" [ "$GOT" -eq $n ]
	if [ "$(kt_flavour)" != stock ]; then
		check "$what: by the fast path" [ "$PSLOW" -eq 0 ]
	fi

	if [ "$ufam" = 4 ]; then
		in_ns router ip addr del 192.168.1.1/24 dev eth1 || bail "address removal"
	else
		in_ns router ip -6 addr del fd00:1::1/64 dev eth1 || bail "address removal"
	fi
	note "router eth1: $(in_ns router ip -br addr show dev eth1)"
	# On the fixed kernel the flow is torn down at once; the stock
	# kernel's flow through tun0 stays (its packets are not received).
	wait_until "$(deadline 10)" probe_not_offloaded ||
		note "$what: the probe flow is still [OFFLOAD] after the removal"
	marked_probes $n
	check "$what: address removed: no probe delivered" [ "$GOT" -eq 0 ]
	check "$what: address removed: the slow path sees every probe" [ "$SPOOF" -eq $n ]

	# The client opens the probe flow again: set up with the address gone.
	check "$what: probe flow offloaded again, address gone" kt_probe_flow "$fam"
	note "$(in_ns router conntrack -L 2>/dev/null | grep -F 'dport=5000' | tr -s ' ')"
	marked_probes $n
	check "$what: flow set up after the removal: no probe delivered" [ "$GOT" -eq 0 ]
	check "$what: flow set up after the removal: the slow path sees every probe" \
		[ "$SPOOF" -eq $n ]
	topo_down
}

for kind in sit ipip6 ip6ip6; do
	local_addr_gone "$kind"
done
done_testing
