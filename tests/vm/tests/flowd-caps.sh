#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: stock
# vm-cost: 25
#
# Started as root outside systemd, flowd keeps only CAP_NET_ADMIN and
# CAP_CHOWN once it is set up (effective, permitted and bounding sets; uid
# stays 0) and still does its work: a reload rewrites the flowtable (needs
# CAP_NET_ADMIN) and moves the control socket to a new file given to
# control.group (needs CAP_CHOWN).  Started with only those two already
# (systemd's CapabilityBoundingSet), it drops nothing and says so.
. "$FLOWD_TOP/tests/vm/lib.sh"

# CAP_CHOWN is bit 0, CAP_NET_ADMIN bit 12.
KEPT=0000000000001001

cap() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

topo_up ipip
conf=$TMPDIR/flowd.conf
# flowd_conf's own control line gives way to one with a group.
conf_with_group() {
	flowd_conf "$conf" 'control: { socket = "'"$TMPDIR/$1"'"; group = "nogroup"; };'
	sed -i '/^control: { socket = "[^"]*"; };$/d' "$conf"
}
conf_with_group flowd.sock
note "capabilities of this shell (root): CapEff $(cap $$ CapEff)"
check "the test itself runs with more than the two kept capabilities" \
	[ "$(cap $$ CapEff)" != "$KEPT" ]

flowd_start router "$conf" || bail "flowd did not start"
for set in CapEff CapPrm CapBnd CapInh CapAmb; do
	note "flowd $set: $(cap "$FLOWD_PID" "$set")"
done
check "CapEff holds only CAP_NET_ADMIN and CAP_CHOWN" [ "$(cap "$FLOWD_PID" CapEff)" = "$KEPT" ]
check "CapPrm holds only those two" [ "$(cap "$FLOWD_PID" CapPrm)" = "$KEPT" ]
check "the bounding set holds only those two" [ "$(cap "$FLOWD_PID" CapBnd)" = "$KEPT" ]
check "no inheritable capabilities" [ "$(cap "$FLOWD_PID" CapInh)" = 0000000000000000 ]
check "no ambient capabilities" [ "$(cap "$FLOWD_PID" CapAmb)" = 0000000000000000 ]
check "uid stays 0" bash -c "[ \"\$(awk '/^Uid:/ { print \$2 }' /proc/$FLOWD_PID/status)\" = 0 ]"
check "the log says what was dropped" \
	grep -qE 'dropped [0-9]+ capabilities.*keeping cap_net_admin, cap_chown' "$TMPDIR/flowd.log"

# --- the reduced daemon still works ---
check "flowtable before the reload: eth0 eth1 tun0" flowtable_is router "eth0 eth1 tun0"
conf_with_group flowd2.sock
sed -i 's/^devices = .*/devices = [ ];/' "$conf"
kill -HUP "$FLOWD_PID"
check "a reload rewrites the flowtable (CAP_NET_ADMIN)" wait_until "$(deadline 30)" flowtable_is router "eth1 tun0"
check "the new control socket answers" \
	wait_until "$(deadline 30)" in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd2.sock" status
check "and belongs to group nogroup (CAP_CHOWN after the drop)" \
	[ "$(stat -c %G "$TMPDIR/flowd2.sock" 2>/dev/null)" = nogroup ]
check "flowctl flush works (conntrack, CAP_NET_ADMIN)" \
	in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd2.sock" flush
check_not "no errors logged" grep -qiE 'operation not permitted|reload failed' "$TMPDIR/flowd.log"
flowd_stop
in_ns router nft delete table inet flowd 2>/dev/null

# --- already restricted: nothing to drop, and it says so ---
flowd_conf "$conf"
FLOWD_LOG=$TMPDIR/flowd-bounded.log
ip netns exec router setpriv --bounding-set=-all,+net_admin,+chown \
	"$FLOWD_BIN" -f -c "$conf" >>"$FLOWD_LOG" 2>&1 &
FLOWD_PID=$!
check "flowd starts with only the two capabilities" wait_until "$(deadline 30)" flowd_ready router "$conf"
note "flowd CapEff: $(cap "$FLOWD_PID" CapEff)"
check "CapEff is the two" [ "$(cap "$FLOWD_PID" CapEff)" = "$KEPT" ]
check "the log says there was nothing to drop" \
	grep -q 'capabilities already restricted' "$FLOWD_LOG"
flowd_stop

done_testing
