#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 60
#
# Flowtable acceleration of a ipip6 tunnel (kernel/patches/): rx and tx in the
# fast path, perfect match on the outer header, malformed outer headers.
# On the stock kernel only the slow-path expectations are checked: the
# outer packets go through the stack there, which proves the checks can
# fail.  See tests/vm/kernel-tunnel-lib.sh.
. "$FLOWD_TOP/tests/vm/lib.sh"
. "$FLOWD_TOP/tests/vm/kernel-tunnel-lib.sh"

kt_main ipip6
