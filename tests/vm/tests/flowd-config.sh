#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 30
#
# Bad configuration never reaches the kernel: flowd refuses to start on a
# bad file (naming file, line and reason) and a bad reload keeps the
# running state (`flowctl reload`, the unit's ExecReload, exits 1 with the
# reason); a good reload applies, also one that changes the control
# socket's mode, group or path, and one that changes
# conntrack.receive_buffer (applied to the open event socket, not only to
# the next one).  flowd --check prints the plan.
. "$FLOWD_TOP/tests/vm/lib.sh"

topo_up ipip
bad=$TMPDIR/bad.conf
printf 'devices = [ "eth0" ];\nflows: { protocols = [ "tcp", "sctp" ]; };\n' >"$bad"

# --- bad config at start ---
out=$(in_ns router "$FLOWD_BIN" -f -c "$bad" 2>&1)
rc=$?
note "flowd said: $out"
check "bad config at start: exit status 1" [ "$rc" -eq 1 ]
check "the error names file, line and reason" \
	grep -qF "$bad:2: flows.protocols[1]: unknown protocol \"sctp\"" <<<"$out"
check "the kernel is untouched (no table at all)" \
	bash -c '[ -z "$(ip netns exec router nft list tables)" ]'
check "flowd -n on the bad file: exit 1" bash -c "! ip netns exec router '$FLOWD_BIN' -n -c '$bad' >/dev/null 2>&1"

# --- --check on a good file shows the plan ---
flowd_conf "$TMPDIR/flowd.conf"
plan=$(in_ns router "$FLOWD_BIN" -n -c "$TMPDIR/flowd.conf" 2>&1)
check "flowd -n on the good file: exit 0" in_ns router "$FLOWD_BIN" -n -c "$TMPDIR/flowd.conf"
echo "$plan" | sed 's/^/#   /'
check "the plan lists eth1 as the underlay of tun0" grep -qE '^eth1 +[0-9]+ +underlay +tun0' <<<"$plan"
check "the plan lists eth0 as configured" grep -qE '^eth0 +[0-9]+ +configured' <<<"$plan"
check "--check created nothing in the kernel" \
	bash -c '[ -z "$(ip netns exec router nft list tables)" ]'

# --- bad reload keeps the running state ---
flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
before=$(in_ns router nft list table inet flowd)
cp "$bad" "$TMPDIR/flowd.conf"
kill -HUP "$FLOWD_PID"
check "a bad reload is reported" wait_until "$(deadline 10)" grep -q 'reload failed, keeping the running configuration' "$TMPDIR/flowd.log"
sleep 0.3
check "flowd keeps running after a bad reload" kill -0 "$FLOWD_PID"
check "the table is unchanged after a bad reload" \
	bash -c '[ "$(ip netns exec router nft list table inet flowd)" = "$1" ]' _ "$before"

# --- the same through flowctl reload (the unit's ExecReload): it fails ---
out=$(in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" reload 2>&1 >/dev/null)
rc=$?
note "flowctl reload said: $out"
check "flowctl reload of a bad file exits 1" [ "$rc" -eq 1 ]
check "and says why on stderr (file, line, reason)" \
	grep -qF "flowctl: reload failed: $TMPDIR/flowd.conf:2: flows.protocols[1]: unknown protocol \"sctp\"" <<<"$out"
check "flowd logged it too" \
	bash -c "[ \$(grep -c 'reload failed, keeping the running configuration: .*unknown protocol' '$TMPDIR/flowd.log') -eq 2 ]"
check "the table is unchanged after a bad flowctl reload" \
	bash -c '[ "$(ip netns exec router nft list table inet flowd)" = "$1" ]' _ "$before"

# An error quoting config bytes that are not UTF-8 (Latin-1 here) used to
# break every status until restart (issue 14, hardening 2).
last_error() {
	in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" -j status |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["last_error"])'
}
no_last_error() { [ "$(last_error)" = None ]; }
printf 'devices = [ "eth0" ];\nflows: { protocols = [ "tcp", "caf\xe9" ]; };\n' >"$TMPDIR/flowd.conf"
check_not "a reload of a config with Latin-1 bytes fails" \
	in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" reload
err=$(last_error)
note "last_error: $err"
check "status still answers, the bad byte escaped" grep -qF 'unknown protocol "caf\xe9"' <<<"$err"

# --- a good reload applies ---
in_ns router ip link add dummy0 type dummy
in_ns router ip link set dummy0 up
flowd_conf "$TMPDIR/flowd.conf"
sed -i 's/devices = \[ "eth0" \];/devices = [ "eth0", "dummy*" ];/' "$TMPDIR/flowd.conf"
kill -HUP "$FLOWD_PID"
check "a good reload adds dummy0 (glob)" wait_until "$REACT" flowtable_is router "dummy0 eth0 eth1 tun0"
check "the reconcile after it clears the old error" wait_until "$REACT" no_last_error

# --- a reload that changes the control socket (issue 14, hardening 3) ---
sock=$TMPDIR/flowd.sock
set_control() { sed -i "s|^control: .*|control: { socket = \"$1\"; $2 };|" "$TMPDIR/flowd.conf"; }
fc() { in_ns router "$FLOWCTL_BIN" -s "$1" "${@:2}"; }
sock_is() { [ "$(stat -c '%a %G' "$1")" = "$2" ]; }
check "the socket starts as 660 root" sock_is "$sock" "660 root"
set_control "$sock" 'mode = "0660"; group = "nogroup";'
out=$(fc "$sock" reload 2>&1)
rc=$?
note "flowctl reload: $out"
check "a reload changing the group succeeds (flowctl reload exits 0)" [ "$rc" -eq 0 ]
check "the socket is now 660 nogroup" sock_is "$sock" "660 nogroup"
check "and still answers" fc "$sock" status
check "nogroup may connect now" in_ns router setpriv --reuid=nobody --regid=nogroup \
	--clear-groups "$FLOWCTL_BIN" -s "$sock" status
set_control "$sock" 'mode = "0600"; group = "root";'
check "a reload to 600 root (mode and group) succeeds" fc "$sock" reload
check "the socket is 600 root" sock_is "$sock" "600 root"
check_not "nogroup is locked out again" in_ns router setpriv --reuid=nobody --regid=nogroup \
	--clear-groups "$FLOWCTL_BIN" -s "$sock" status
set_control "$sock" 'mode = "0640"; group = "root";'
check "a reload changing only the mode succeeds" fc "$sock" reload
check "the socket is 640 root" sock_is "$sock" "640 root"
set_control "$sock" 'mode = "0660"; group = "no-such-group-flowd";'
check_not "a reload to a group that does not exist fails" fc "$sock" reload
check "the socket is unchanged" sock_is "$sock" "640 root"
set_control "$TMPDIR/flowd2.sock" 'mode = "0640"; group = "nogroup";'
check "a reload moving the socket succeeds" fc "$sock" reload
check "the new socket is 640 nogroup" sock_is "$TMPDIR/flowd2.sock" "640 nogroup"
check "and answers" fc "$TMPDIR/flowd2.sock" status
check_not "the old socket is gone" test -e "$sock"
# --- conntrack.receive_buffer applies on reload, to the open socket ---
# (the kernel doubles what is asked: 8 MiB by default -> rb16777216)
nl_rb() { in_ns router ss -f netlink -a -m | grep -q "rb$1,"; }
check "the conntrack event socket has the default 8 MiB buffer" nl_rb 16777216
echo 'conntrack: { receive_buffer = 1048576; };' >>"$TMPDIR/flowd.conf"
check "a reload changing conntrack.receive_buffer succeeds" fc "$TMPDIR/flowd2.sock" reload
check "the event socket now has 1 MiB (rb2097152)" nl_rb 2097152
check_not "and no longer 8 MiB" nl_rb 16777216
check "flowd logged it" grep -q 'reload: conntrack event receive buffer 1048576 bytes' "$TMPDIR/flowd.log"
check "flowd stops cleanly" flowd_stop
check_not "and removes its socket" test -e "$TMPDIR/flowd2.sock"

topo_down
done_testing
