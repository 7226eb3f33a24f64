#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Combine the benchmark's per-boot results (tests/bench/guest.py) into
latest.json, latest.md, latest.png and latest.svg.

    report.py --out DIR stock=PATH patched=PATH

Per kind x direction x size and mode: median pps of the valid rounds, the
spread (min-max and the median absolute deviation), instructions per packet
(1e9 / pps: guest time under icount counts instructions) and the same with
the generator's share subtracted: mode "gen", or for the plain modes on rx
"genp" (the ceiling's plain frames cost the generator less than the
tunnel frames).

Ratios (pps) of full acceleration (patched boot) to:
  3/1  the slow path of the same boot,
  3/2  the stock flowtable (devices = { eth0, tun0 }) on the stock kernel,
  3/4  the no-tunnel ceiling of the same boot,
  3/4s the no-tunnel ceiling of the stock boot (the stock kernel's plain
       flowtable: what tunnel acceleration is measured against),
  3/4r 3/4s over the slowest boot of each kernel (3/4s=) in the router's
       instructions only: the stock ceiling's less its boot's generator
       share of a plain frame, over full acceleration's less its boot's
       share of a tunnel frame.

Plain flows (no tunnel on the path) on the patched kernel against the
stock kernel: mode "ceiling" (flowtable without the tunnel flag) and
"ceilingt" (with it, as flowd programs it), in instructions per forwarded
packet with each boot's generator share subtracted.
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys

MODES = ["slow", "tunft", "full", "ceiling", "ceilingt", "gen", "genp"]
PLAIN_MODES = ("ceiling", "ceilingt")
KIND_ORDER = ["ipip", "gre", "sit", "ip6ip6", "ipip6", "ip6gre"]
INNER = {"ipip": 4, "ipip6": 4, "sit": 6, "ip6ip6": 6, "gre": 4, "ip6gre": 4}
UNDERLAY = {"ipip": 4, "gre": 4, "sit": 4, "ip6ip6": 6, "ipip6": 6, "ip6gre": 6}
# Targets for full acceleration.
TARGET_CEILING = 0.90
TARGET_STOCK = 1.40
TARGET_STOCK_CEILING = 0.92
# Plain flows on the patched kernel: at most this much above stock.
TARGET_PLAIN_EXTRA = 0.01


def stats(vals):
    if not vals:
        return None
    med = statistics.median(vals)
    mad = statistics.median([abs(v - med) for v in vals])
    return {"median": med, "min": min(vals), "max": max(vals), "mad": mad, "n": len(vals),
            "spread_pct": 100.0 * (max(vals) - min(vals)) / med if med else None}


def aggregate(boot_meas):
    """Per cell: the median of the valid rounds of each boot, then, with
    several boots of a kernel, the median (and spread) of those per-boot
    medians.  Rounds within one boot repeat to about 0.1 %; the boots
    settle in states a few percent apart (README), so it is boots, not
    rounds, that a median has to be taken over."""
    cells = {}
    for b, meas in enumerate(boot_meas):
        for m in meas:
            key = (m["kind"], m["dir"], m["size"], m["mode"])
            c = cells.setdefault(key, {"boots": {}, "rounds": 0, "valid": 0, "invalid": []})
            c["rounds"] += 1
            if m.get("valid"):
                c["valid"] += 1
                c["boots"].setdefault(b, []).append(m["pps"])
            else:
                c["invalid"].append(m.get("invalid_reason", "?"))
    out = {}
    for key, c in cells.items():
        per_boot = [statistics.median(v) for _, v in sorted(c["boots"].items())]
        # Which boot each of those is: a boot without a valid round has none.
        boot_index = sorted(c["boots"])
        if len(boot_meas) == 1:
            s = stats(c["boots"].get(0, []))
        else:
            s = stats(per_boot)
        e = {"rounds": c["rounds"], "valid": c["valid"], "pps": s,
             "boot_medians": per_boot, "boot_index": boot_index}
        if c["invalid"]:
            e["invalid"] = sorted(set(c["invalid"]))
        out[key] = e
    return out


def ipp(pps):
    return 1e9 / pps if pps else None


def router_instr(e, gen):
    """Instructions a packet of mode E less the generator's share GEN, in
    E's slowest boot (the state the kernels share, as for 3/4s=) and from
    that boot's own GEN; None without a valid round of both in it."""
    if not e or not gen or not e["boot_medians"]:
        return None
    of_e = dict(zip(e["boot_index"], e["boot_medians"]))
    of_gen = dict(zip(gen["boot_index"], gen["boot_medians"]))
    b = min(of_e, key=of_e.get)
    if b not in of_gen:
        return None
    return ipp(of_e[b]) - ipp(of_gen[b])


def fmt_k(s):
    if not s:
        return None
    return "%.1fk" % (s["median"] / 1000)


def cell_text(e, spread=True):
    if e is None:
        return "–"
    if not e["pps"]:
        r = "; ".join(e.get("invalid", []))
        if "OFFLOAD" in r or "forwarded by the stack" in r or "through the IP stack" in r:
            return "**not offloaded**"
        return "**failed**"
    s = e["pps"]
    t = "%.1fk" % (s["median"] / 1000)
    if spread and s["n"] > 1:
        t += " (%.1f–%.1f)" % (s["min"] / 1000, s["max"] / 1000)
    if e["valid"] < e["rounds"]:
        t += " [%d/%d valid]" % (e["valid"], e["rounds"])
    return t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("inputs", nargs="+", help="FLAVOUR=PATH")
    a = p.parse_args()

    # A flavour may be given once per boot (run.sh --boots N): the first
    # boot's metadata stands for the kernel, the measurements of all of
    # them are aggregated.
    boots = {}
    boot_meas = {}
    for arg in a.inputs:
        f, path = arg.split("=", 1)
        with open(path) as fh:
            b = json.load(fh)
        wall = os.path.join(os.path.dirname(path), "wall_seconds")
        if os.path.exists(wall):
            b["wall_seconds"] = int(open(wall).read().strip() or 0)
        if f in boots:
            boots[f]["wall_seconds"] = boots[f].get("wall_seconds", 0) + b.get("wall_seconds", 0)
            boots[f]["errors"] = boots[f].get("errors", []) + b.get("errors", [])
        else:
            boots[f] = b
        boot_meas.setdefault(f, []).append(b["measurements"])
    agg = {f: aggregate(boot_meas[f]) for f in boots}
    nboots = {f: len(v) for f, v in boot_meas.items()}

    keys = set()
    for f in agg:
        for (k, d, s, m) in agg[f]:
            keys.add((k, d, s))
    keys = sorted(keys, key=lambda x: (KIND_ORDER.index(x[0]) if x[0] in KIND_ORDER else 99,
                                       x[1] != "tx", x[2]))

    def get(f, k, d, s, m):
        return agg.get(f, {}).get((k, d, s, m))

    def med(e):
        return e["pps"]["median"] if e and e["pps"] else None

    summary = []
    for (k, d, s) in keys:
        row = {"kind": k, "dir": d, "size": s, "inner": INNER.get(k), "underlay": UNDERLAY.get(k),
               "modes": {}}
        for f in agg:
            gen = med(get(f, k, d, s, "gen"))
            # The plain modes' frames, where they differ (rx).
            genp = med(get(f, k, d, s, "genp")) or gen
            for m in MODES:
                e = get(f, k, d, s, m)
                if e is None:
                    continue
                x = dict(e)
                pm = med(e)
                g = genp if m in PLAIN_MODES else gen
                x["instr_per_pkt"] = ipp(pm)
                x["instr_per_pkt_minus_gen"] = (ipp(pm) - ipp(g)) if (pm and g and m not in ("gen", "genp")) else None
                row["modes"]["%s:%s" % (f, m)] = x
        full = med(get("patched", k, d, s, "full"))
        slow = med(get("patched", k, d, s, "slow"))
        ceil = med(get("patched", k, d, s, "ceiling"))
        stock = med(get("stock", k, d, s, "tunft"))
        ptun = med(get("patched", k, d, s, "tunft"))
        r = {}
        if full:
            r["3/1"] = full / slow if slow else None
            r["3/2"] = full / stock if stock else None
            r["3/2_patched_boot"] = full / ptun if ptun else None
            r["3/4"] = full / ceil if ceil else None
            sceil = med(get("stock", k, d, s, "ceiling"))
            r["3/4_stock_ceiling"] = full / sceil if sceil else None
            # The same over the slowest boot of each kernel: a boot settles
            # in one of a few states a few percent apart (README), and with
            # three boots the two medians may come from different states;
            # the slowest boot of each is the common state of both.
            fe, se = get("patched", k, d, s, "full"), get("stock", k, d, s, "ceiling")
            if fe and se and fe["pps"] and se["pps"]:
                r["3/4_stock_ceiling_same_state"] = fe["pps"]["min"] / se["pps"]["min"]
            # The router's share alone: each side less the generator's
            # share of its own frames (they differ on rx), in the same
            # boots as 3/4s= and each less its own boot's share.
            ri_ceil = router_instr(get("stock", k, d, s, "ceiling"),
                                   get("stock", k, d, s, "genp") or get("stock", k, d, s, "gen"))
            ri_full = router_instr(fe, get("patched", k, d, s, "gen"))
            if ri_full and ri_ceil:
                r["3/4_stock_ceiling_router"] = ri_ceil / ri_full
        # Plain flows: router instructions per packet, patched over stock.
        sp = row["modes"].get("stock:ceiling", {}).get("instr_per_pkt_minus_gen")
        for m in ("ceiling", "ceilingt"):
            pp = row["modes"].get("patched:%s" % m, {}).get("instr_per_pkt_minus_gen")
            if sp and pp:
                r["plain_%s_instr_vs_stock" % m] = pp / sp
        row["ratios"] = r
        if ptun and stock:
            row["patched_tunft_vs_stock_tunft"] = ptun / stock
        tg = {}
        if r.get("3/4") is not None:
            tg["ceiling"] = r["3/4"] >= TARGET_CEILING
        if r.get("3/2") is not None:
            tg["stock"] = r["3/2"] >= TARGET_STOCK
        if r.get("3/4_stock_ceiling") is not None:
            tg["stock_ceiling"] = r["3/4_stock_ceiling"] >= TARGET_STOCK_CEILING
        if r.get("3/4_stock_ceiling_same_state") is not None:
            tg["stock_ceiling_same_state"] = \
                r["3/4_stock_ceiling_same_state"] >= TARGET_STOCK_CEILING
        for m in ("ceiling", "ceilingt"):
            v = r.get("plain_%s_instr_vs_stock" % m)
            if v is not None:
                tg["plain_" + m] = v <= 1 + TARGET_PLAIN_EXTRA
        row["targets_met"] = tg
        summary.append(row)

    prev_wall = None
    try:
        with open(os.path.join(a.out, "latest.json")) as fh:
            prev_wall = json.load(fh).get("wall_seconds_total")
    except (OSError, ValueError):
        pass
    now = datetime.datetime.now(datetime.timezone.utc)
    started = [b.get("started") for b in boots.values() if b.get("started")]
    meta = {
        "date": (min(started) if started else now.strftime("%Y-%m-%dT%H:%M:%S%z")),
        "report_written": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpu_model": os.environ.get("BENCH_CPU_MODEL", "?"),
                    "nproc": int(os.environ.get("BENCH_NPROC", "0") or 0)},
        "kernels": {f: {"release": b.get("kernel"), "version": b.get("kernel_version"),
                        "icount": b.get("icount"), "guest_cpus": b.get("nproc_guest"),
                        "wall_seconds": b.get("wall_seconds"), "errors": b.get("errors")}
                    for f, b in boots.items()},
        "patch_series": {"sha256_16": os.environ.get("BENCH_PATCH_HASH", "?"),
                         "last_commit": os.environ.get("BENCH_PATCH_COMMIT", "?")},
        "source_commit": os.environ.get("BENCH_SOURCE_COMMIT", "?"),
        # --report-only keeps the figure of the run that measured.
        "wall_seconds_total": int(os.environ["BENCH_WALL_SECONDS"]) if os.environ.get("BENCH_WALL_SECONDS") else prev_wall,
        "params": {f: b.get("params") for f, b in boots.items()},
        "boots": nboots,
        "method": "QEMU TCG -icount shift=0,sleep=off, 1 vCPU; pps = packets counted at the sink / guest "
                  "seconds (guest time = instructions); instr/pkt = 1e9/pps; generator share = the "
                  "'gen' mode of the same boot ('genp' for the plain modes on rx); median of the "
                  "valid rounds, spread min-max and MAD",
        "modes": {"slow": "conntrack forwarding (ct state rule), no flowtable",
                  "tunft": "flowtable devices = { eth0, tun0 } (stock kernel behaviour)",
                  "full": "flowtable devices = { eth0, eth1, tun0 } + flow add (as flowd programs it)",
                  "ceiling": "no tunnel: server prefix routed over eth1, flowtable devices = { eth0, eth1 }",
                  "ceilingt": "ceiling with the tunnel flag on the flowtable (patched kernel)",
                  "gen": "generator share: tx, the router drops at its own ingress; rx, the "
                         "generator sends the tunnel frames into a dummy device",
                  "genp": "rx: gen with the plain frames of the ceiling modes"},
    }
    doc = dict(meta)
    doc["summary"] = summary
    doc["raw"] = {f: (boot_meas[f][0] if nboots[f] == 1 else boot_meas[f]) for f in boots}

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "latest.json"), "w") as fh:
        json.dump(doc, fh, indent=1, sort_keys=False)
        fh.write("\n")

    md = markdown(meta, summary, boots)
    with open(os.path.join(a.out, "latest.md"), "w") as fh:
        fh.write(md)
    sys.stdout.write(md)
    plot(a.out, summary, meta)


def r2(x):
    return "–" if x is None else "%.2f" % x


def markdown(meta, summary, boots):
    L = []
    kern = ", ".join("%s %s" % (f, v["release"]) for f, v in meta["kernels"].items())
    L.append("Date %s; machine: %s, %s cores; kernels: %s; patch series %s (commit %s)." % (
        meta["date"][:10], meta["machine"]["cpu_model"], meta["machine"]["nproc"], kern,
        meta["patch_series"]["sha256_16"], meta["patch_series"]["last_commit"]))
    prm = next(iter(meta["params"].values())) or {}
    nb = max(meta.get("boots", {}).values() or [1])
    if nb > 1:
        how = ("%d boots of each kernel, interleaved (stock, patched, stock, ...), %s round(s) each; "
               "pps in guest time, median (min–max) of the per-boot medians of the valid rounds"
               % (nb, prm.get("rounds", "?")))
    else:
        how = ("%s round(s); pps in guest time, median (min–max) of the valid rounds"
               % prm.get("rounds", "?"))
    L.append("QEMU TCG icount (guest time = instructions), one vCPU; %s; %.2f s guest window "
             "per measurement; inner UDP, one flow.  tx = client → into the tunnel (pktgen), "
             "rx = out of the tunnel → client (trafgen -P 1, pre-encapsulated frames)."
             % (how, prm.get("window", 0)))
    if prm.get("encaplimit", "none") == "none":
        L.append("IPv6-underlay tunnels (ip6ip6, ipip6, ip6gre) set `encaplimit none` on both ends.")
    else:
        L.append("IPv6-underlay tunnels (ip6ip6, ipip6, ip6gre) keep iproute2's default "
                 "encapsulation limit: every outer packet carries the 8-byte option.")
    L.append("")
    L.append("Modes: 1 slow = conntrack forwarding, no flowtable; 2 stock ft = flowtable "
             "`{ eth0, tun0 }` on the stock kernel; 2p = the same on the patched kernel; "
             "3 full = patched kernel, flowtable `{ eth0, eth1, tun0 }` as flowd programs it; "
             "4 ceiling = no tunnel, plain flowtable; gen = the generator's share (tx: the router "
             "drops at its ingress; rx: the generator sends the tunnel frames into a dummy device, "
             "and genp its plain frames).  1, 2p, 3, 4, gen from the patched boot; 2 from the "
             "stock boot.")
    L.append("")
    L.append("| kind | dir | size | 1 slow | 2 stock ft | 2p | 3 full | 4 ceiling | gen | 3/1 | 3/2 | 3/4 | 3/4s | 3/4s= | 3/4r |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in summary:
        m = r["modes"]
        ra = r["ratios"]

        def mark(v, ok):
            if v is None:
                return "–"
            return "%.2f%s" % (v, "" if ok is None or ok else " ✗")
        L.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["kind"], r["dir"], r["size"],
            cell_text(m.get("patched:slow")), cell_text(m.get("stock:tunft")),
            cell_text(m.get("patched:tunft"), spread=False), cell_text(m.get("patched:full")),
            cell_text(m.get("patched:ceiling")), cell_text(m.get("patched:gen"), spread=False),
            mark(ra.get("3/1"), None), mark(ra.get("3/2"), r["targets_met"].get("stock")),
            mark(ra.get("3/4"), r["targets_met"].get("ceiling")),
            mark(ra.get("3/4_stock_ceiling"), r["targets_met"].get("stock_ceiling")),
            mark(ra.get("3/4_stock_ceiling_same_state"),
                 r["targets_met"].get("stock_ceiling_same_state")),
            mark(ra.get("3/4_stock_ceiling_router"), None)))
    L.append("")
    L.append("✗: below target (3/2 ≥ %.1f, 3/4 ≥ %.2f, 3/4s ≥ %.2f: 3/4s divides by the stock boot's "
             "ceiling)." % (TARGET_STOCK, TARGET_CEILING, TARGET_STOCK_CEILING))
    L.append("3/4s= is 3/4s over the slowest boot of each kernel (full on the patched boots, the "
             "ceiling on the stock boots): a boot settles in one of a few states a few percent apart, "
             "and the medians of 3/4s may come from different states (the boots of each cell are in "
             "the spreads); the slowest boots are in the state both kernels share.")
    L.append("3/4r is 3/4s= in the router's instructions alone: the stock ceiling's instructions "
             "per packet less the generator's share of its plain frame (genp on rx), over full "
             "acceleration's less that of the tunnel frame (gen), in the same boots as 3/4s= and "
             "each less its own boot's share.  On rx the generator's "
             "packet socket dissects every header of a frame, so a tunnel frame costs it more than "
             "a plain one; 3/4s counts that against the tunnel, 3/4r does not.  No target: it says "
             "where the rest of 3/4s goes.")
    L.append("")
    L.extend(plain_table(summary))
    L.append("")
    L.append("Instructions per forwarded packet, generator share subtracted (1e9/pps − 1e9/pps_gen of "
             "the same boot; genp for the ceiling on rx), median rounds:")
    L.append("")
    L.append("| kind | dir | size | 1 slow | 2 stock ft | 2p | 3 full | 4 ceiling | gen (total) | genp (total) | saved by 3 vs 2 |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in summary:
        m = r["modes"]

        def ip(key):
            e = m.get(key)
            if not e or e.get("instr_per_pkt_minus_gen") is None:
                return "–"
            return "%d" % round(e["instr_per_pkt_minus_gen"])
        def total(key):
            e = m.get(key)
            return "%d" % round(e["instr_per_pkt"]) if e and e.get("instr_per_pkt") else "–"
        f, s2 = m.get("patched:full"), m.get("stock:tunft")
        saved = "–"
        if f and s2 and f.get("instr_per_pkt_minus_gen") and s2.get("instr_per_pkt_minus_gen"):
            saved = "%.0f%%" % (100 * (1 - f["instr_per_pkt_minus_gen"] / s2["instr_per_pkt_minus_gen"]))
        L.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["kind"], r["dir"], r["size"], ip("patched:slow"), ip("stock:tunft"), ip("patched:tunft"),
            ip("patched:full"), ip("patched:ceiling"), total("patched:gen"), total("patched:genp"), saved))
    L.append("")
    if "stock" in boots:
        L.append("Stock boot (for comparison with the patched boot's 1, 4 and gen):")
        L.append("")
        L.append("| kind | dir | size | 1 slow | 2 stock ft | 4 ceiling | gen | genp |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|")
        for r in summary:
            m = r["modes"]
            L.append("| %s | %s | %d | %s | %s | %s | %s | %s |" % (
                r["kind"], r["dir"], r["size"], cell_text(m.get("stock:slow"), spread=False),
                cell_text(m.get("stock:tunft"), spread=False), cell_text(m.get("stock:ceiling"), spread=False),
                cell_text(m.get("stock:gen"), spread=False), cell_text(m.get("stock:genp"), spread=False)))
        L.append("")
    bad = []
    for r in summary:
        for key, e in r["modes"].items():
            if e.get("invalid"):
                bad.append("- %s %s %d %s: %d/%d rounds invalid: %s" % (
                    r["kind"], r["dir"], r["size"], key, e["rounds"] - e["valid"], e["rounds"],
                    "; ".join(e["invalid"])))
    if bad:
        L.append("Invalid measurements (not counted):")
        L.append("")
        L.extend(bad)
        L.append("")
    return "\n".join(L) + "\n"


def plain_table(summary):
    """Plain flows: the patched kernel's cost against the stock kernel's."""
    L = ["Plain flows (no tunnel on the path): router instructions per forwarded packet, each "
         "boot's generator share subtracted, stock against patched (4: flowtable without the "
         "tunnel flag; 4t: with it, as flowd programs it).  Target: at most +%d%%." % (
             round(100 * TARGET_PLAIN_EXTRA)), "",
         "| kind | dir | size | 4 stock | 4 patched | 4t patched | 4/stock | 4t/stock |",
         "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in summary:
        m, ra, tg = r["modes"], r["ratios"], r["targets_met"]

        def ip(key):
            e = m.get(key)
            if not e or e.get("instr_per_pkt_minus_gen") is None:
                return "–"
            return "%d" % round(e["instr_per_pkt_minus_gen"])

        def rel(name):
            v = ra.get("plain_%s_instr_vs_stock" % name)
            if v is None:
                return "–"
            return "%+.1f%%%s" % (100 * (v - 1), "" if tg.get("plain_" + name) else " ✗")
        L.append("| %s | %s | %d | %s | %s | %s | %s | %s |" % (
            r["kind"], r["dir"], r["size"], ip("stock:ceiling"), ip("patched:ceiling"),
            ip("patched:ceilingt"), rel("ceiling"), rel("ceilingt")))
    L.append("")
    return L


def plot(outdir, summary, meta):
    if not shutil.which("gnuplot"):
        print("report: gnuplot not found (apt-get install gnuplot-nox): no plot", file=sys.stderr)
        return
    series = [("patched:slow", "1 slow path (conntrack)"), ("stock:tunft", "2 stock flowtable (stock kernel)"),
              ("patched:full", "3 full acceleration (patched)"), ("patched:ceiling", "4 ceiling (no tunnel)")]
    sizes = sorted({r["size"] for r in summary})
    dat = os.path.join(outdir, "latest.dat")
    with open(dat, "w") as fh:
        for si, size in enumerate(sizes):
            fh.write("# size %d\n" % size)
            for r in summary:
                if r["size"] != size:
                    continue
                cols = ['"%s %s"' % (r["kind"], r["dir"])]
                for key, _ in series:
                    e = r["modes"].get(key)
                    if e and e["pps"]:
                        s = e["pps"]
                        cols += ["%.2f" % (s["median"] / 1000), "%.2f" % (s["min"] / 1000), "%.2f" % (s["max"] / 1000)]
                    else:
                        cols += ["NaN", "NaN", "NaN"]
                fh.write(" ".join(cols) + "\n")
            fh.write("\n\n")
    kern = ", ".join("%s %s" % (f, v["release"]) for f, v in meta["kernels"].items())
    title = "Packets/s through the router (guest time, QEMU icount), %s, %s" % (meta["date"][:10], kern)
    n = max(1, len(sizes))
    plots = []
    for si, size in enumerate(sizes):
        parts = []
        for j, (key, label) in enumerate(series):
            c = 2 + 3 * j
            parts.append("'%s' index %d using %d:%d:%d:xtic(1) title '%s'" % (
                dat, si, c, c + 1, c + 2, label if si == 0 else label))
        plots.append("set title '%d-byte inner packets'\nplot %s" % (size, ", ".join(parts)))
    body = """
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set ylabel 'kpps (guest time)'
set yrange [0:*]
set xtics rotate by -30 scale 0
set key outside bottom center horizontal font ',10'
set multiplot layout %d,1 title "%s"
%s
unset multiplot
""" % (n, title.replace('"', "'"), "\n".join(plots))
    for term, ext in (("pngcairo size 1400,%d font 'sans,10'" % (420 * n + 60), "png"),
                      ("svg size 1400,%d dynamic font 'sans,10'" % (420 * n + 60), "svg")):
        script = "set terminal %s\nset output '%s'\n%s" % (term, os.path.join(outdir, "latest." + ext), body)
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            print("report: gnuplot (%s) failed: %s" % (ext, r.stderr), file=sys.stderr)


if __name__ == "__main__":
    main()
