#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: debug
#
# The kernel tunnel tests' sharpest checks on the KASAN + UBSAN build of the
# patched kernel (tests/vm/kernel-debug.config): for every tunnel kind, a
# TCP stream through the accelerated tx (data) and rx (ACKs) paths, then the
# perfect match and every malformed outer header of
# tests/vm/kernel-tunnel-lib.sh (ihl < 5, bad lengths, truncation,
# fragments, IPv6 extension headers, GRE flags and versions...), and the
# same over a VLAN underlay for one kind.  run-vm.sh fails the run on any
# KASAN, UBSAN, WARNING or BUG line in the kernel log, so an out-of-bounds
# read in the outer header parsing fails this test even when every packet
# check passes.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

debug_kind() {
	local kind=$1 fam start=$SECONDS
	kt_setup "$kind"
	fam=${TOPO_INNER%% *}
	note "kernel: $(kt_flavour) $(uname -r), tunnel $kind${KT_VLAN:+ over VLAN $KT_VLAN}"
	# One stream: its data takes the tx path, its ACKs the rx path (the
	# probes below take rx again); the plain tests cover the directions
	# one by one, here the point is the sanitizers.
	kt_stream "$fam" tcp
	local what="$kind${KT_VLAN:+/vlan} ipv$fam tcp"
	check "$what: traffic passes" [ "$DELIVERED_OK" = yes ]
	check "$what: flow is [OFFLOAD]" [ "$OFFLOADED" = yes ]
	check "$what: outer rx bypasses input" flat "$IN_TUN"
	check "$what: outer tx bypasses output" flat "$OUT_TUN"
	check "$what: tun0 rx stats move" [ "$TUN_RX" -gt 0 ]
	check "$what: tun0 tx stats move" [ "$TUN_TX" -gt 1000 ]
	for fam in $TOPO_INNER; do
		kt_perfect_match "$fam"
	done
	topo_down
	note "$kind${KT_VLAN:+/vlan}: $((SECONDS - start)) s"
}

for kind in ipip gre sit ip6ip6 ipip6 ip6gre; do
	debug_kind "$kind"
done
KT_VLAN=100
debug_kind gre
KT_VLAN= KT_UDEV=eth1

# Nothing in the kernel log: run-vm.sh checks it again after the script,
# this names the first offending line in the test's own output.
check_not "kernel log: no KASAN, UBSAN, WARNING or BUG" \
	sh -c 'dmesg | grep -E "KASAN|UBSAN|WARNING:|BUG:" | head -n 3 | grep .'
done_testing
