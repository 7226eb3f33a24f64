#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: debug
# vm-cost: 185
#
# The kernel tunnel tests' sharpest checks on the KASAN + UBSAN build of the
# patched kernel (see kt_debug_kind in tests/vm/kernel-tunnel-lib.sh) for
# the tunnels with an IPv4 outer header: ipip, gre and sit.
# kernel-tunnel-debug-ipv6 does the IPv6-outer kinds and
# kernel-tunnel-debug-vlan gre over a VLAN underlay: three VMs of a few
# minutes each rather than one long one, so that they can run side by side.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

for kind in ipip gre sit; do
	kt_debug_kind "$kind"
done
kt_debug_kernel_log
done_testing
