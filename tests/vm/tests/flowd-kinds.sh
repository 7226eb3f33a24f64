#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 70
#
# flowd resolves every layer-3 tunnel kind to its underlay, over IPv4 and
# IPv6 underlays, and tracks a tunnel whose remote is unreachable until a
# route appears.
. "$FLOWD_TOP/tests/vm/lib.sh"

inner_ping_target() {
	case $1 in
	4) echo 10.2.0.2 ;;
	6) echo fd00:b::2 ;;
	esac
}

for kind in ipip gre sit ip6ip6 ipip6 ip6gre; do
	topo_up "$kind"
	flowd_conf "$TMPDIR/flowd.conf"
	FLOWD_LOG=$TMPDIR/flowd-$kind.log
	if ! flowd_start router "$TMPDIR/flowd.conf"; then
		check "$kind: flowd starts" false
		topo_down
		continue
	fi
	check "$kind: flowtable = eth0 + tun0 + underlay eth1" flowtable_is router "eth0 eth1 tun0"
	for fam in $TOPO_INNER; do
		check "$kind: inner IPv$fam crosses the tunnel" ping_ok client "$(inner_ping_target "$fam")"
	done
	flowd_stop
	topo_down
done

# --- a remote without a route: tracked, then resolved ---
topo_up ipip
in_ns router ip route add blackhole 192.168.1.2/32
flowd_conf "$TMPDIR/flowd.conf"
FLOWD_LOG=$TMPDIR/flowd.log
flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
check "unreachable remote: tun0 in, no underlay" flowtable_is router "eth0 tun0"
plan=$(in_ns router "$FLOWD_BIN" -n -c "$TMPDIR/flowd.conf")
check "--check says why tun0 is not accelerated" grep -qE '^tun0 .*not accelerated' <<<"$plan"
in_ns router ip route del blackhole 192.168.1.2/32
check "route appears: underlay eth1 joins" wait_until "$REACT" flowtable_is router "eth0 eth1 tun0"
flowd_stop
topo_down
done_testing
