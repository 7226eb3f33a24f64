#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 170
#
# Flowtable acceleration of tunnels whose underlay is a VLAN device
# (kernel/patches/): the route to the remote leaves through eth1.100, so
# the forward path is tunnel -> VLAN -> eth1 and the flowtable, hooked on
# eth1 only, must pop the VLAN tag and the outer header on rx and push both
# on tx.  Every check of the plain kernel tunnel tests (streams with flat
# slow-path counters, perfect match, malformed outer headers, route change
# and tunnel deletion) for one IPv4-underlay kind (gre) and one
# IPv6-underlay kind (ip6ip6).  See tests/vm/kernel-tunnel-lib.sh.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

KT_VLAN=100
for kind in gre ip6ip6; do
	kt_run "$kind"
done
done_testing
