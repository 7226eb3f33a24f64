#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Netlink helpers for tests/bench/control-plane.sh (run in the VM).

  nlwatch.py record FILE MAX SECONDS
      Record conntrack event datagrams (NEW/UPDATE/DESTROY) as
      tests/bench/ct_replay reads them: u32 length (host order) + bytes.
      Stops after MAX datagrams or SECONDS.

  nlwatch.py react N OUT.json
      N topology events (alternately: tun0's underlay route moved to eth3
      and back, tun0 down and up), each timed from the kernel's first
      rtnetlink notification to the first nftables notification after it
      (flowd's batch, committed atomically).  That total holds the
      kernel's own time too: a link going down notifies, then walks
      its routing tables (every route, under RTNL).  So each event is
      also split where the kernel is done with the change (its last
      notification, or the command's exit if later): "kernel" before
      that, "flowd" from there to the batch.
      Run in the router's netns with flowd running and nothing else
      touching nftables.

  nlwatch.py listen N SECONDS
      A control for flowd's route event cost: subscribed to the IPv4 route
      group, read what is pending 10 ms after the socket becomes readable
      (as flowd does), until N route events, SECONDS, or 3 s without
      events once they began (lost ones never come).  Then print
      "events=E lost=L run_us=U wakeups=W": this process's CPU time and
      wakeups from the subscription on.  What it costs per event is what
      merely receiving the churn costs in this guest at this table size.
      Prints "listening" on stderr once subscribed.

  nlwatch.py restore N OUT.json
      N x `nft flush ruleset`, each timed from the DELTABLE notification to
      flowd's NEWTABLE.

Both sides of each interval are netlink notifications received by this
one process, so the process's own scheduling delays cancel out except for
the order they are read in.
"""
import json, os, select, socket, struct, subprocess, sys, time

NETLINK_NETFILTER = 12
NFNLGRP_NFTABLES = 7
RTMGRP_LINK, RTMGRP_IPV4_ROUTE = 0x1, 0x40
NFT = 10 << 8
NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE = 0, 2


def msgs(data):
    off = 0
    while off + 16 <= len(data):
        ln, typ, flags, seq, pid = struct.unpack_from("=IHHII", data, off)
        if ln < 16:
            break
        yield typ
        off += (ln + 3) & ~3


def sock(proto, groups, rcvbuf=8 << 20):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)  # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((0, groups))
    s.setblocking(False)
    return s


def drain(*socks):
    for s in socks:
        try:
            while s.recv(1 << 16):
                pass
        except BlockingIOError:
            pass


def wait_msg(s, pred, timeout):
    """Monotonic time of the first datagram holding a message pred() likes."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        t = time.monotonic()
        try:
            d = s.recv(1 << 16)
        except BlockingIOError:
            continue
        if any(pred(typ) for typ in msgs(d)):
            return t


def timed(cmd, first, second, timeout=5, marks=None):
    """Run cmd without waiting for it and time, as they arrive, the first
    datagram on first[0] with a message first[1]() likes and, after it, the
    first such datagram on second[0].  Returns t_second - t_first or None.
    The process sits in select() while cmd runs, so each notification is
    stamped when it is queued (plus a wake-up), not when cmd has exited.
    marks (a dict), if given, gets, relative to t_first: "last_first",
    the last datagram first[1]() liked before t_second, and "cmd_exit",
    when cmd exited (the kernel had applied the change), if it did before
    t_second or within the timeout."""
    p = subprocess.Popen(cmd)
    pidfd = os.pidfd_open(p.pid)
    t0 = t1 = last = texit = None
    end = time.monotonic() + timeout
    while (t1 is None or texit is None) and time.monotonic() < end:
        socks = [first[0]] if first[0] is second[0] else [first[0], second[0]]
        r, _, _ = select.select(socks + ([pidfd] if texit is None else []), [], [], 0.05)
        t = time.monotonic()
        if pidfd in r:
            texit = t
            r.remove(pidfd)
        for s in r:            # one read per ready socket, tested for both
            if t1 is not None:
                drain(s)
                continue
            try:
                d = s.recv(1 << 16)
            except BlockingIOError:
                continue
            types = list(msgs(d))
            if t0 is not None and s is second[0] and any(second[1](x) for x in types):
                t1 = t
            elif s is first[0] and any(first[1](x) for x in types):
                last = t
                if t0 is None:
                    t0 = t
    p.wait()
    os.close(pidfd)
    if t0 is None or t1 is None:
        return None
    if marks is not None:
        marks["last_first"] = last - t0
        marks["cmd_exit"] = None if texit is None else texit - t0
    return t1 - t0


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else None


def summary(name, lat, n):
    ms = [x * 1000 for x in lat]
    return {"what": name, "events": n, "measured": len(ms),
            "p50_ms": round(pct(ms, 50), 2) if ms else None,
            "p99_ms": round(pct(ms, 99), 2) if ms else None,
            "max_ms": round(max(ms), 2) if ms else None,
            "min_ms": round(min(ms), 2) if ms else None}


def record(path, maxn, secs):
    import signal
    # SIGTERM ends the recording cleanly (the file is flushed).
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    s = sock(NETLINK_NETFILTER, 0x7)   # NF_NETLINK_CONNTRACK_NEW|UPDATE|DESTROY
    n, end = 0, time.monotonic() + secs
    with open(path, "wb") as f:
      try:
        while n < maxn and time.monotonic() < end:
            r, _, _ = select.select([s], [], [], 0.2)
            if not r:
                continue
            try:
                d = s.recv(1 << 16)
            except BlockingIOError:
                continue
            except OSError:            # ENOBUFS: lost some, keep going
                continue
            f.write(struct.pack("=I", len(d)) + d)
            n += 1
      except KeyboardInterrupt:
        pass
    print(f"recorded {n} datagrams", flush=True)


def react(n, out):
    rt = sock(0, RTMGRP_LINK | RTMGRP_IPV4_ROUTE)
    nf = sock(NETLINK_NETFILTER, 1 << (NFNLGRP_NFTABLES - 1))
    steps = [
        ["ip", "route", "add", "192.168.1.2/32", "via", "192.168.2.2", "dev", "eth3"],
        ["ip", "route", "del", "192.168.1.2/32", "via", "192.168.2.2", "dev", "eth3"],
        ["ip", "link", "set", "tun0", "down"],
        ["ip", "link", "set", "tun0", "up"],
    ]
    lat = {"route": [], "link": []}
    kernel = {"route": [], "link": []}     # first notification -> kernel done
    missed = 0
    for i in range(n):
        cmd = steps[i % 4]
        kind = "route" if cmd[1] == "route" else "link"
        time.sleep(0.25)               # past flowd's debounce window
        drain(rt, nf)
        marks = {}
        dt = timed(cmd, (rt, lambda t: True), (nf, lambda t: t & 0xff00 == NFT), marks=marks)
        if dt is None:
            missed += 1
            continue
        lat[kind].append(dt)
        # The kernel is done with the change at its last notification or
        # when the command returns, whichever is later: a link going down
        # notifies first and then walks its routing tables under RTNL.
        done = max(marks["last_first"], marks["cmd_exit"] if marks["cmd_exit"] is not None else 0)
        kernel[kind].append(min(done, dt))
    flowd = {k: [t - kt for t, kt in zip(lat[k], kernel[k])] for k in lat}
    res = {"route": summary("route change -> flowtable", lat["route"], n // 2),
           "link": summary("link down/up -> flowtable", lat["link"], n // 2),
           "all": summary("link or route event -> flowtable", lat["route"] + lat["link"], n),
           "kernel_route": summary("route change: kernel's first notification -> change applied",
                                   kernel["route"], n // 2),
           "kernel_link": summary("link down/up: kernel's first notification -> change applied",
                                  kernel["link"], n // 2),
           "flowd_all": summary("change applied -> flowtable",
                                flowd["route"] + flowd["link"], n),
           "missed": missed}
    json.dump(res, open(out, "w"), indent=1)
    print(json.dumps(res["all"]))
    print(json.dumps({k: res[k] for k in ("kernel_route", "kernel_link", "flowd_all")}))


def restore(n, out):
    nf = sock(NETLINK_NETFILTER, 1 << (NFNLGRP_NFTABLES - 1))
    lat, missed = [], 0
    for i in range(n):
        time.sleep(0.5)
        drain(nf)
        dt = timed(["nft", "flush", "ruleset"], (nf, lambda t: t == NFT | NFT_MSG_DELTABLE),
                   (nf, lambda t: t == NFT | NFT_MSG_NEWTABLE))
        if dt is None:
            missed += 1
            continue
        lat.append(dt)
    res = summary("nft flush ruleset -> table restored", lat, n)
    res["missed"] = missed
    json.dump(res, open(out, "w"), indent=1)
    print(json.dumps(res))


RTM_NEWROUTE, RTM_DELROUTE = 24, 25


def self_stats():
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF)
    return int((r.ru_utime + r.ru_stime) * 1e9), r.ru_nvcsw


def listen(n, secs):
    s = sock(socket.NETLINK_ROUTE, RTMGRP_IPV4_ROUTE, 4 << 20)
    run0, wake0 = self_stats()
    print("listening", file=sys.stderr, flush=True)  # subscribed: start the churn
    events, lost, end = 0, 0, time.monotonic() + secs
    buf = bytearray(8192)
    while events < n:
        # Lost events never come: once the churn began, 3 s of quiet end it.
        left = min(end - time.monotonic(), 3 if events else secs)
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        time.sleep(0.01)  # let a burst gather, as flowd does
        while True:
            try:
                ln = s.recv_into(buf)
            except BlockingIOError:
                break
            except OSError:  # ENOBUFS: the kernel dropped some
                lost += 1
                continue
            events += sum(1 for t in msgs(buf[:ln]) if t in (RTM_NEWROUTE, RTM_DELROUTE))
    run1, wake1 = self_stats()
    print("events=%d lost=%d run_us=%d wakeups=%d" % (events, lost, (run1 - run0) // 1000,
                                                      wake1 - wake0))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "record":
        record(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "react":
        react(int(sys.argv[2]), sys.argv[3])
    elif cmd == "listen":
        listen(int(sys.argv[2]), float(sys.argv[3]))
    elif cmd == "restore":
        restore(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("usage: nlwatch.py record|react|listen|restore ...")
