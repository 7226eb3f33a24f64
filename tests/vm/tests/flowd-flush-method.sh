#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-kernel: patched
# vm-cost: 35
#
# flush.method decides how `flowctl flush` returns flows to the slow path:
# "delete" deletes their conntrack entries (new entries, new ids, when the
# streams go on), "rebuild" re-creates the flowtable and keeps every entry
# (same ids).  A reload switches the method.  The streams survive both
# here: this router's forward policy accepts mid-stream packets.
. "$FLOWD_TOP/tests/vm/lib.sh"

topo_up ipip
slow_path_counter_up router
conf=$TMPDIR/flowd.conf
sock=$TMPDIR/flowd.sock
flowd_conf "$conf" 'flush: { method = "delete"; };'
flowd_start router "$conf" || bail "flowd did not start"
fc() { in_ns router "$FLOWCTL_BIN" -s "$sock" "$@"; }
# The conntrack ids of the offloaded iperf3 flows, sorted, one line.
ids() {
	in_ns router conntrack -L -p tcp --dport 5201 -o id 2>/dev/null | grep -F '[OFFLOAD]' |
		sed -n 's/.*id=\([0-9]*\).*/\1/p' | sort -n | paste -sd' '
}
n_offloaded() { [ "$(ct_offloaded router 'dport=5201')" -ge "$1" ]; }
flush_method() {
	fc -j flush tunnel tun0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["method"])'
}
# Every id in $1 is (or none is, with "none") still in the table.
survive() {
	local id now
	now=" $(in_ns router conntrack -L -p tcp --dport 5201 -o id 2>/dev/null |
		sed -n 's/.*id=\([0-9]*\).*/\1/p' | paste -sd' ') "
	for id in $1; do
		if [ "$2" = all ]; then
			[[ $now == *" $id "* ]] || return 1
		else
			[[ $now != *" $id "* ]] || return 1
		fi
	done
}

stream_begin server 10.2.0.2 -P 2 -b 20M
check "2 streams offloaded" wait_until "$(deadline 30)" n_offloaded 2

# --- delete: the entries go ---
before=$(ids)
note "offloaded conntrack ids before the flush: $before"
method=$(flush_method)
check "flush.method delete: the flush deletes ($method)" [ "$method" = delete ]
check "none of the flushed conntrack entries is left" survive "$before" none
check "the streams are offloaded again, as new entries" wait_until "$(deadline 30)" n_offloaded 2
note "ids after: $(ids)"

# --- a reload switches to rebuild: the entries stay ---
sed -i 's/method = "delete"/method = "rebuild"/' "$conf"
kill -HUP "$FLOWD_PID"
check "reload applied" wait_until "$REACT" bash -c "[ \$(grep -c 'reloaded ' '$TMPDIR/flowd.log') -ge 1 ]"
before=$(ids)
note "offloaded conntrack ids before the flush: $before"
c1=$(nft_counter router inet test slow)
method=$(flush_method)
check "flush.method rebuild: the flush rebuilds ($method)" [ "$method" = rebuild ]
check "every flushed conntrack entry is kept" survive "$before" all
slow_grew() { [ $(($(nft_counter router inet test slow) - c1)) -ge 2 ]; }
check "the streams took the slow path" wait_until "$(deadline 30)" slow_grew
note "slow-path packets after the rebuild: $(($(nft_counter router inet test slow) - c1))"
offloaded_again() {
	local id now=" $(ids) "
	for id in $before; do
		[[ $now == *" $id "* ]] || return 1
	done
}
check "and are offloaded again with the same entries" wait_until "$(deadline 30)" offloaded_again
note "ids after: $(ids)"
grep -E 'flush tunnel tun0' "$TMPDIR/flowd.log" | sed 's/^/#   /'
check "the log names each method" bash -c \
	"grep -q 'flush tunnel tun0: .*(delete)' '$TMPDIR/flowd.log' && grep -q 'flush tunnel tun0: .*(rebuild)' '$TMPDIR/flowd.log'"

check "the streams survived both flushes (iperf3 still running)" stream_stop
flowd_stop
done_testing
