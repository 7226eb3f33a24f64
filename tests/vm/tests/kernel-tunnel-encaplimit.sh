#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 70
#
# IPv6 tunnels as iproute2 creates them: ip6tnl and ip6gre send the tunnel
# encapsulation limit destination option by default (limit 4).  Both
# directions of the tunnel are accelerated with it: the router's fast path
# inserts the option on transmit and accepts it on receive (before the
# series accepted it, every received packet went through the input hook
# and the decapsulated flow through the forward chain).  The option is
# accepted exactly when the stack would accept it: with the
# max_dst_opts_number sysctl at 0 the stack drops it, and so must the fast
# path.  The other extension header forms are probed in kt_perfect_match.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

for kind in ip6ip6 ip6gre; do
	KT_ENCAPLIMIT=keep kt_setup $kind
	check "$kind: tun0 sends the encapsulation limit option" \
		bash -c 'ip -n router -d link show tun0 | grep -q "encaplimit 4"'
	check "$kind: tun1 (remote) sends the encapsulation limit option" \
		bash -c 'ip -n remote -d link show tun1 | grep -q "encaplimit 4"'
	for rev in "" -R; do
		kt_stream 6 tcp $rev
		what="$kind encaplimit 4 ipv6 tcp ${rev:-fwd}"
		check "$what: traffic passes" [ "$DELIVERED_OK" = yes ]
		check "$what: flow is [OFFLOAD]" [ "$OFFLOADED" = yes ]
		check "$what: forward chain stays flat" flat "$SLOW"
		check "$what: rx with the option bypasses input" flat "$IN_TUN"
		check "$what: tx with the option bypasses output" flat "$OUT_TUN"
	done

	kt_probe_args 6
	check "$kind: probe flow offloaded" kt_probe_flow 6
	kt_inject --count 20 --mutate exthdr
	check "$kind: probes with the option: fast path" both_eq "$GOT" 20 "$PSLOW" 0
	in_ns router sysctl -qw net.ipv6.max_dst_opts_number=0 || bail "sysctl"
	kt_inject --count 5 --mutate exthdr
	check "$kind: max_dst_opts_number 0: the option is dropped as the stack drops it" \
		[ "$GOT" -eq 0 ]
	in_ns router sysctl -qw net.ipv6.max_dst_opts_number=8 || bail "sysctl"
	kt_probe_flow 6
	kt_inject --count 20 --mutate exthdr
	check "$kind: max_dst_opts_number 8 again: fast path" both_eq "$GOT" 20 "$PSLOW" 0
	topo_down
done
done_testing
