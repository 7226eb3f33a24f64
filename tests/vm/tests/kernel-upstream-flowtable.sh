#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 60
# vm-selftests: net
#
# The kernel's own flowtable selftest, 6.12's
# tools/testing/selftests/net/netfilter/nft_flowtable.sh, unchanged, on the
# stock and on the patched kernel: the series must leave plain flows as
# they were, so every sub-test the script runs on stock passes on the
# patched kernel too.  The script covers forwarding with and without PMTU
# discovery, DSCP rewritten at ingress, egress and in the forward chain,
# masquerade and DNAT, a bridge, a VLAN under the bridge and IPsec tunnel
# mode, and checks with counters that the flows were offloaded.
#
# On the patched kernel it runs twice: as it is (no tunnel flag), and
# with the tunnel flag set on its flowtable (an nft wrapper first in PATH
# sets it with tests/vm/nft-flowtable-flags.c right after the script's
# ruleset creates the flowtable): the flag must change nothing for flows
# that do not use a tunnel.
#
# Run with its default MTUs (originator 9000, link 1500, responder 2000)
# given on the command line: without options it runs again with MTUs and
# a file size drawn at random, and a test here must not pass or fail by
# the draw.  A SKIP counts as a failure: here it can only mean the test
# kernel or the host lacks something the script needs.
. "$FLOWD_TOP/tests/vm/lib.sh"

[ -n "${FLOWD_SELFTESTS:-}" ] || bail "run-vm.sh gave no selftests (# vm-selftests: net)"
cd "$FLOWD_SELFTESTS/netfilter" || bail "no $FLOWD_SELFTESTS/netfilter"
note "kernel $(uname -r), $(kernel_flavour)"

# The sub-tests 6.12's script has with these MTUs, each reported as
# a line "PASS: <name>", exactly (a sub-test that is not run says neither
# PASS nor FAIL; the script even exits 0 when the DSCP sub-tests fail).
expected=(
	'flow offloaded for ns1/ns2'
	'dscp_none: dscp packet counters match'
	'dscp_fwd: dscp packet counters match'
	'dscp_ingress: dscp packet counters match'
	'dscp_egress: dscp packet counters match'
	'flow offload for ns1/ns2 with masquerade  (pmtu disabled)'
	'flow offload for ns1/ns2 with dnat  (pmtu disabled)'
	'flow offload for ns1/ns2 with masquerade '
	'flow offload for ns1/ns2 with dnat '
	'flow offload for ns1/ns2 with masquerade on bridge'
	'flow offload for ns1/ns2 with dnat on bridge'
	'flow offload for ns1/ns2 with masquerade bridge and VLAN'
	'flow offload for ns1/ns2 with dnat bridge and VLAN'
	'ipsec tunnel mode for ns1/ns2'
)

# run WHAT: the script, its report checked line by line and against the
# expected sub-tests.
run() {
	local what=$1 out=$TMPDIR/nft_flowtable.$RANDOM rc=0 line want
	bash ./nft_flowtable.sh -o 9000 -l 1500 -r 2000 >"$out" 2>&1 || rc=$?
	sed 's/^/#   /' "$out"
	while IFS= read -r line; do
		case $line in
		PASS:*) check "$what: ${line#PASS: }" true ;;
		FAIL:*) check "$what: ${line#FAIL: }" false ;;
		SKIP:*) check "$what: not skipped: ${line#SKIP: }" false ;;
		esac
	done <"$out"
	for want in "${expected[@]}"; do
		check "$what: reported: '$want'" grep -qxF "PASS: $want" "$out"
	done
	check "$what: nft_flowtable.sh exits 0 (exit $rc)" [ "$rc" -eq 0 ]
}

run "no flag"

if [ "$(kernel_flavour)" != stock ]; then
	real_nft=$(command -v nft) || bail "no nft"
	wrap=$TMPDIR/nft-wrap
	flag_log=$TMPDIR/flag.log
	mkdir -p "$wrap"
	# nft -f - that creates flowtable f1 is followed by the flag.
	cat >"$wrap/nft" <<EOF
#!/bin/bash
if [ "\$1" = -f ] && [ "\$2" = - ] && [ \$# -eq 2 ]; then
	ruleset=\$(cat)
	$real_nft -f - <<<"\$ruleset" || exit
	if grep -q 'flowtable f1' <<<"\$ruleset"; then
		$FLOWD_NFT_FT_FLAGS set inet filter f1 tunnel >>$flag_log 2>&1 ||
			{ echo "setting the tunnel flag failed" >>$flag_log; exit 1; }
		$FLOWD_NFT_FT_FLAGS get inet filter f1 >>$flag_log 2>&1
	fi
	exit 0
fi
exec $real_nft "\$@"
EOF
	chmod +x "$wrap/nft"
	PATH=$wrap:$PATH run "tunnel flag"
	note "flag log: $(tr '\n' ' ' <"$flag_log" 2>/dev/null)"
	# The flowtable's flags as read back: the tunnel flag (0x4) was set.
	check "tunnel flag: set on the script's flowtable" grep -qx '0x[0-9a-f]*[4-7c-f]' "$flag_log"
fi
done_testing
