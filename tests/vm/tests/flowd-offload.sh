#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: both
#
# flowd runs the seed topology from a config file: its table holds the
# configured device, the tunnel and the tunnel's underlay; the tunnel's TCP
# stream is offloaded (proved by conntrack and a slow-path counter that
# stays flat); a restart of flowd adopts the table without touching it,
# and the offloaded flow survives it.
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

topo_down
done_testing
