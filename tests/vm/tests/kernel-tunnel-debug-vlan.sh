#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: debug
# vm-cost: 85
#
# kernel-tunnel-debug-ipv4's checks on the KASAN + UBSAN kernel for gre
# over a VLAN underlay (the router's eth1.100; the flowtable hooks eth1).
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

KT_VLAN=100
kt_debug_kind gre
kt_debug_kernel_log
done_testing
