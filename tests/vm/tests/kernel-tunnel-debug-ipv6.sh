#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: debug
# vm-cost: 225
#
# kernel-tunnel-debug-ipv4's checks on the KASAN + UBSAN kernel for the
# tunnels with an IPv6 outer header: ip6ip6, ipip6 and ip6gre.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

for kind in ip6ip6 ipip6 ip6gre; do
	kt_debug_kind "$kind"
done
kt_debug_kernel_log
done_testing
