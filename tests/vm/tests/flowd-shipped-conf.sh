#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: stock
# vm-cost: 30
#
# The shipped conf/flowd.conf (the package's /etc/flowd.conf) on a router
# with a tunnel: flowd starts and stays up, its table is empty (a
# flowtable without devices, a forward chain without rules), and a TCP
# stream through the tunnel is never marked [OFFLOAD]: installing flowd
# changes nothing until the file is edited.  Then the operator's edit
# (devices and tunnels selected) and a reload offload it.
. "$FLOWD_TOP/tests/vm/lib.sh"

topo_up ipip
slow_path_counter_up router
# A firewall rule that uses conntrack, as on any real router: without one,
# nothing in the router's namespace turns conntrack on and no flow could
# be marked [OFFLOAD] anyway.
in_ns router nft -f - <<'NFT' || bail "firewall table"
table inet fw {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ct state established,related counter
	}
}
NFT
# Only the control socket moves (the guest's /run has no /run/flowd).
sed "s|^\(\tsocket = \)\"/run/flowd/flowd.sock\";|\1\"$TMPDIR/flowd.sock\";|" "$FLOWD_TOP/conf/flowd.conf" \
	>"$TMPDIR/flowd.conf"
check "only the socket path differs from the shipped file" \
	bash -c "[ \"\$(diff '$FLOWD_TOP/conf/flowd.conf' '$TMPDIR/flowd.conf' | grep -c '^[<>]')\" -eq 2 ]"

flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
# flowtable_empty NS: flowd's flowtable exists (hooked) with no device.
flowtable_empty() {
	local out
	out=$(in_ns "$1" nft list flowtable inet flowd ft) || return 1
	grep -q 'hook ingress' <<<"$out" && ! grep -q devices <<<"$out"
}
# chain_empty NS: flowd's forward chain exists and holds no rule.
chain_empty() {
	local out
	out=$(in_ns "$1" nft list chain inet flowd forward) || return 1
	grep -q 'type filter hook forward' <<<"$out" &&
		! grep -v -e '^table ' -e 'chain forward {' -e 'type filter hook forward' \
			-e '^[[:space:]]*}*$' <<<"$out" | grep -q .
}
check "the flowtable has no devices" flowtable_empty router
check "the forward chain has no rules" chain_empty router
check_not "no batch failed" grep -q 'batch failed' "$TMPDIR/flowd.log"

# Until stream_stop, however long the steps below take.
stream_start
check "the stream through tun0 runs, tracked by conntrack" wait_until "$(deadline 30)" bash -c \
	"ip netns exec router conntrack -L 2>/dev/null | grep -q 'dport=5201'"
sleep 3
check "... and is never [OFFLOAD]" [ "$(ct_offloaded router 'dport=5201')" -eq 0 ]
delta=$(slow_window router 4194304)
note "slow-path packets while the server received 4 MiB: $delta"
check "... its packets take the slow path" [ "${delta:-0}" -gt 10 ]
check "flowd is still running" kill -0 "$FLOWD_PID"

# The operator selects eth0 and every tunnel kind, and reloads.
sed -i -e 's|^devices = \[ \];|devices = [ "eth0" ];|' \
	-e 's|^\tkinds = \[ \];|\tkinds = "all";|' "$TMPDIR/flowd.conf"
kill -HUP "$FLOWD_PID"
check "after the edit and a reload: eth0 + tun0 + underlay eth1" \
	wait_until "$REACT" flowtable_is router "eth0 eth1 tun0"
check "... the forward chain offloads tcp and udp" \
	bash -c '[ "$(ip netns exec router nft list chain inet flowd forward | grep -c "flow add @ft")" -eq 4 ]'
check "... and the stream is [OFFLOAD]" wait_until "$(deadline 30)" stream_offloaded
check "the stream ran through it all" stream_stop
flowd_stop

topo_down
done_testing
