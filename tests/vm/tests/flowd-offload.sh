#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
# vm-cost: 55
#
# flowd runs the seed topology from a config file: its table holds the
# configured device, the tunnel and the tunnel's underlay; the tunnel's TCP
# stream is offloaded (proved by conntrack and a slow-path counter that
# stays flat); a restart of flowd adopts the table without touching it,
# and the offloaded flow survives it.  Ready means working: while the
# kernel refuses the flowtable flowd tells systemd only STATUS=waiting
# (no READY=1) and `flowctl status` exits 6; once a reload fixes it, READY=1
# and exit 0.  The modules' down fallback devices are not listed as tunnels.
. "$FLOWD_TOP/tests/vm/lib.sh"

topo_up ipip
slow_path_counter_up router
flowd_conf "$TMPDIR/flowd.conf"

FLOWD_LOG=$TMPDIR/flowd-1.log
flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
check "flowtable = configured eth0 + tunnel tun0 + underlay eth1" \
	flowtable_is router "eth0 eth1 tun0"
check "the forward chain offloads tcp and udp" \
	bash -c '[ "$(ip netns exec router nft list chain inet flowd forward | grep -c "flow add @ft")" -eq 4 ]'
check "the down fallback device tunl0 is left out" \
	bash -c '! ip netns exec router nft list flowtable inet flowd ft | grep -q tunl0'
check "tunl0 exists (the ipip module's fallback device)" in_ns router ip link show tunl0
fc() { in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" "$@"; }
tunnel_names() { flowd_st '" ".join(x["name"] for x in d["tunnels"])'; }
note "tunnels in flowctl status: $(tunnel_names)"
check "flowctl status lists tun0 and not the fallback tunl0" [ "$(tunnel_names)" = "tun0" ]
check "flowctl status exits 0 in sync" bash -c "ip netns exec router '$FLOWCTL_BIN' -s '$TMPDIR/flowd.sock' status >/dev/null"
check "and says running" bash -c "ip netns exec router '$FLOWCTL_BIN' -s '$TMPDIR/flowd.sock' status | grep -q '^status running: 3 devices in the flowtable, 1 of 1 tunnel accelerated$'"

# The stream runs until the test stops it: the windows below are defined
# by its traffic (lib.sh's slow_window), and its end (FIN, iperf3's result
# exchange) goes through the slow path.
stream_start
check "the stream through tun0 is [OFFLOAD]" wait_until "$(deadline 30)" stream_offloaded
# Packets that were on their way through the slow path when the flow was
# offloaded are past after a few more.
wait_grown "$(deadline 30)" $((256 << 10)) "$(link_bytes server eth0 rx)" link_bytes server eth0 rx
delta=$(slow_window router $((4 << 20)))
window=$?
note "slow-path packets while the server received 4 MiB: $delta"
check "slow-path counter stays flat while offloaded (<= 2 while 4 MiB pass)" \
	test "$window" -eq 0 -a "$delta" -le 2

# --- restart: the table stays, the flow stays offloaded ---
check "flowd stops cleanly on SIGTERM" flowd_stop
check "the table survives the stop (on_exit = keep)" flowtable_is router "eth0 eth1 tun0"
check "the flow stays [OFFLOAD] while flowd is down" stream_offloaded
FLOWD_LOG=$TMPDIR/flowd-2.log
flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not restart"
sleep 1
check "the restarted flowd adopts the table: no batch sent" \
	bash -c "! grep -q 'updating table' '$FLOWD_LOG'"
check "the flow is still [OFFLOAD] after the restart" stream_offloaded
delta=$(slow_window router $((4 << 20)))
window=$?
note "slow-path packets after the restart while the server received 4 MiB: $delta"
check "slow-path counter still flat after the restart (<= 2 while 4 MiB pass)" \
	test "$window" -eq 0 -a "$delta" -le 2
check "the stream is still running through the restart" stream_stop

# --- on_exit = remove takes the table away ---
flowd_stop
flowd_conf "$TMPDIR/flowd.conf" 'on_exit = "remove";'
flowd_start router "$TMPDIR/flowd.conf" || bail "flowd did not start"
flowd_stop
check_not "on_exit = remove deletes the table on SIGTERM" flowd_table_exists router

# --- ready means working: a flowtable the kernel refuses ---
# Hardware offload on veth: the kernel refuses the whole batch
# (EOPNOTSUPP, no driver to offload to), as a kernel without flowtable
# support would.  flowd runs with NOTIFY_SOCKET pointing at a listener that
# logs each sd_notify datagram on one line.
notify_log=$TMPDIR/notify.log
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as log:
    while True:
        log.write(s.recv(4096).decode(errors="replace").replace("\n", " | ") + "\n")
        log.flush()
' "$TMPDIR/notify.sock" "$notify_log" &
NOTIFY_PID=$!
wait_until "$(deadline 30)" test -S "$TMPDIR/notify.sock" || bail "notify listener did not start"
flowd_conf "$TMPDIR/flowd.conf" 'flowtable: { offload = true; };'
FLOWD_LOG=$TMPDIR/flowd-refused.log
ip netns exec router env NOTIFY_SOCKET="$TMPDIR/notify.sock" "$FLOWD_BIN" -f -c "$TMPDIR/flowd.conf" \
	>>"$FLOWD_LOG" 2>&1 &
FLOWD_PID=$!
# The exit status of `flowctl status`, its output in $TMPDIR/status.out.
status_is() {
	in_ns router "$FLOWCTL_BIN" -s "$TMPDIR/flowd.sock" status >"$TMPDIR/status.out" 2>&1
	[ $? -eq "$1" ]
}
check "flowctl status exits 6 while the flowtable is refused" wait_until "$(deadline 30)" status_is 6
sed 's/^/#   /' "$TMPDIR/status.out" | head -n 6
check "its status line says what flowd is waiting for" \
	grep -q '^status waiting: nftables batch failed' "$TMPDIR/status.out"
check "it shows the devices wanted beside the kernel's" bash -c "
	grep -qx 'flowtable devices wanted: eth0,eth1,tun0' '$TMPDIR/status.out' &&
	grep -qx 'flowtable devices in the kernel: - (no flowtable)' '$TMPDIR/status.out'"
check "systemd was told STATUS=waiting: ..." wait_until "$REACT" grep -q '^STATUS=waiting: nftables batch failed' "$notify_log"
sleep 1	# a few retries
sed 's/^/#   notify: /' "$notify_log"
check_not "and never READY=1" grep -q 'READY=1' "$notify_log"
fc metrics >"$TMPDIR/metrics.prom"
check "flowctl metrics exits 0 and says the table is not in sync" \
	grep -qx 'flowd_table_in_sync{family="inet",table="flowd",flowtable="ft"} 0' "$TMPDIR/metrics.prom"

# The fix arrives by reload: now READY=1, exit 0.
flowd_conf "$TMPDIR/flowd.conf"
check "flowctl reload of the fixed file exits 0" bash -c "ip netns exec router '$FLOWCTL_BIN' -s '$TMPDIR/flowd.sock' reload >/dev/null"
check "the table comes in sync: flowctl status exits 0" wait_until "$(deadline 30)" status_is 0
check "READY=1 once the table is in sync, with STATUS=running" \
	wait_until "$REACT" grep -q '^READY=1 | STATUS=running: 3 devices in the flowtable' "$notify_log"
check "READY=1 came after STATUS=waiting" bash -c "
	[ \$(grep -n '^STATUS=waiting' '$notify_log' | head -n1 | cut -d: -f1) -lt \
	  \$(grep -n 'READY=1' '$notify_log' | head -n1 | cut -d: -f1) ]"
check "flowtable = eth0 eth1 tun0" flowtable_is router "eth0 eth1 tun0"
fc metrics >"$TMPDIR/metrics-synced.prom"
check "flowctl metrics in sync parses (prometheus_client) with tun0 accelerated" \
	/usr/bin/python3 -c 'import sys
from prometheus_client.parser import text_string_to_metric_families as parse
fams = {f.name: f for f in parse(open(sys.argv[1]).read())}
acc = {s.labels["tunnel"]: s.value for s in fams["flowd_tunnel_accelerated"].samples}
sync = fams["flowd_table_in_sync"].samples[0].value
sys.exit(0 if acc == {"tun0": 1.0} and sync == 1.0 else 1)' "$TMPDIR/metrics-synced.prom"
flowd_stop
kill "$NOTIFY_PID" 2>/dev/null
wait "$NOTIFY_PID" 2>/dev/null

topo_down
done_testing
