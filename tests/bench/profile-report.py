#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Instructions per packet by kernel function, one column per boot.

    profile-report.py [--anchor SYMBOL] [--top N] LABEL=SYSTEM.MAP:TBCOUNT ...

TBCOUNT is what tests/bench/tbcount.c wrote for one boot: for every
translated block of kernel code, its address, its instructions and how
often it ran.  Each block is charged to the function of System.map that
holds its address; a function's instructions, divided by how often the
block at the start of SYMBOL ran (a function entered once per packet, such
as the flowtable hook), are its instructions per packet.  Without --anchor
it is the flowtable hook the first boot entered most: the hook of the
family the router receives, which every packet enters once.  Everything the
boot ran is counted, boot and set-up included, so only functions on the
packet path mean something per packet: they run millions of times during
the window, the rest a few times.  The rows are the functions whose cost
differs most between the first column and the others.
"""
import argparse
import bisect
import collections
import sys


def load_symbols(path):
    symbols = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 3 and fields[1] in "tTwW":
                symbols.append((int(fields[0], 16), fields[2]))
    symbols.sort()
    return symbols


# Entered once per packet by the router, whichever family it receives.
HOOKS = ("nf_flow_offload_ip_hook", "nf_flow_offload_ipv6_hook")


def per_function(map_path, counts_path):
    """Instructions and entries by function, over the whole boot."""
    symbols = load_symbols(map_path)
    starts = [address for address, _ in symbols]
    instructions = collections.Counter()
    entries = collections.Counter()
    with open(counts_path) as f:
        for line in f:
            address, n, executions = line.split()
            address, n, executions = int(address, 16), int(n), int(executions)
            i = bisect.bisect_right(starts, address) - 1
            if i < 0:
                continue
            name = symbols[i][1]
            instructions[name] += n * executions
            if address == symbols[i][0]:
                entries[name] += executions
    return instructions, entries


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--anchor")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("boots", nargs="+", metavar="LABEL=MAP:COUNTS")
    a = p.parse_args()

    boots = []
    for spec in a.boots:
        label, _, paths = spec.partition("=")
        map_path, _, counts_path = paths.partition(":")
        if not label or not map_path or not counts_path:
            sys.exit("profile-report: expected LABEL=SYSTEM.MAP:TBCOUNT, got %r" % spec)
        boots.append((label, counts_path) + per_function(map_path, counts_path))

    anchor = a.anchor or max(HOOKS, key=lambda hook: boots[0][3][hook])
    columns = []
    for label, counts_path, instructions, entries in boots:
        packets = entries[anchor]
        if packets == 0:
            sys.exit("profile-report: %s never ran in %s" % (anchor, counts_path))
        costs = {name: n / packets for name, n in instructions.items()}
        columns.append((label, costs, packets))

    base = columns[0][1]
    names = set()
    for _, costs, _ in columns:
        names |= set(costs)

    def spread(name):
        values = [costs.get(name, 0.0) for _, costs, _ in columns]
        return max(abs(v - base.get(name, 0.0)) for v in values)

    # Flowtable code, as one figure: what the series changes.
    def flowtable(costs):
        return sum(v for name, v in costs.items()
                   if name.startswith(("nf_flow_", "flow_offload_")))

    def row(name, values):
        cells = ["%.1f" % v for v in values]
        cells += ["%+.1f" % (v - values[0]) for v in values[1:]]
        print("| %s | %s |" % (name, " | ".join(cells)))

    labels = [label for label, _, _ in columns]
    print("instructions per packet (%s entries: %s)" % (
        anchor, ", ".join("%s %d" % (label, packets) for label, _, packets in columns)))
    print("| function | " + " | ".join(
        labels + ["%s-%s" % (label, labels[0]) for label in labels[1:]]) + " |")
    print("|---|" + "---:|" * (2 * len(labels) - 1))
    row("nf_flow_* + flow_offload_*", [flowtable(costs) for _, costs, _ in columns])
    # With one column there is nothing to compare: the costliest functions.
    order = (lambda n: (-spread(n), n)) if len(columns) > 1 else (lambda n: (-base[n], n))
    for name in sorted(names, key=order)[:a.top]:
        row(name, [costs.get(name, 0.0) for _, costs, _ in columns])


if __name__ == "__main__":
    main()
