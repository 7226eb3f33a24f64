#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 300
# vm-selftests: net
#
# The series' own kselftest, tools/testing/selftests/net/netfilter/
# nft_flowtable_tunnel.sh (kernel/patches/, the selftest patch), as a
# kernel developer runs it: every layer 3 tunnel kind and inner family,
# a TCP transfer each way that must bypass the router's stack, and the
# perfect match probed with a spoofed outer source and a changed GRE key.
#
# Debian's nft has no name for the tunnel flag, so the script sets it
# through NFT_FLOWTABLE_TUNNEL_CMD, here tests/vm/nft-flowtable-flags.c.
#   run 1  the flag set: every sub-test passes, none is skipped;
#   run 2  the command sets nothing (the flowtable as on stock): every
#          acceleration and match sub-test fails, so the script's checks
#          can fail and are not met by the slow path.
. "$FLOWD_TOP/tests/vm/lib.sh"

[ -n "${FLOWD_SELFTESTS:-}" ] || bail "run-vm.sh gave no selftests (# vm-selftests: net)"
cd "$FLOWD_SELFTESTS/netfilter" || bail "no $FLOWD_SELFTESTS/netfilter"
[ -f nft_flowtable_tunnel.sh ] || bail "the kernel series has no nft_flowtable_tunnel.sh"

set_flag=$TMPDIR/set-tunnel-flag
printf '#!/bin/sh\nexec %q set "$@" tunnel\n' "$FLOWD_NFT_FT_FLAGS" >"$set_flag"
chmod +x "$set_flag"

# What the script reports: per kind and inner family, tx, rx and match.
kinds="ipip:4 sit:6 ipip6:4 ip6ip6:6 gre:4 gre:6 ip6gre:4 ip6gre:6"
subtests() {
	local k
	for k in $kinds; do
		echo "${k%:*} ipv${k#*:} tx"
		echo "${k%:*} ipv${k#*:} rx"
		echo "${k%:*} ipv${k#*:}: a packet whose outer header differs misses the flow"
	done
}

# run OUT CMD: the script with NFT_FLOWTABLE_TUNNEL_CMD=CMD; its exit code
# in RC, its report in OUT (also in the log).
run() {
	RC=0
	NFT_FLOWTABLE_TUNNEL_CMD=$2 bash ./nft_flowtable_tunnel.sh >"$1" 2>&1 || RC=$?
	sed 's/^/#   /' "$1"
}

on=$TMPDIR/on.out off=$TMPDIR/off.out
run "$on" "$set_flag"
while IFS= read -r want; do
	check "flag on: PASS $want" grep -q "^PASS: $want\b" "$on"
done < <(subtests)
check_not "flag on: no sub-test fails or is skipped" grep -Eq '^(FAIL|SKIP):' "$on"
check "flag on: exit 0 (exit $RC)" [ "$RC" -eq 0 ]

run "$off" true
while IFS= read -r want; do
	check "flag off: FAIL $want" grep -q "^FAIL: $want\b" "$off"
done < <(subtests)
check_not "flag off: no acceleration sub-test passes" grep -q '^PASS:' "$off"
check "flag off: exit 1 (exit $RC)" [ "$RC" -eq 1 ]
done_testing
