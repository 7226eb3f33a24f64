#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Data-plane benchmark, guest side (run by tests/bench/guest.sh in the VM).

For each tunnel kind: build the seed topology (tests/vm/lib.sh topo_up),
then for each round, direction, size and mode: load the router's ruleset,
start the generator, wait until the flow is offloaded (modes that need it),
count packets at the sink over a window of guest time, stop the generator.

Guest time under QEMU icount counts instructions (1 ns = 1 instruction), so
pps = sink packets / guest seconds, and 1e9 / pps = instructions per packet
for the whole chain (generator, router, remote, sink).

Results go to OUT (JSON), rewritten after every measurement so that a run
cut short keeps what it measured.

Modes:
  slow     conntrack forwarding (forward chain with a `ct state` rule), no
           flowtable
  tunft    flowtable devices = { eth0, tun0 } (stock kernel behaviour: the
           inner flow is offloaded, the outer header goes through the stack)
  full     flowtable devices = { eth0, eth1, tun0 } with the tunnel flag,
           as flowd programs it (patched kernel only)
  ceiling  no tunnel: the server prefix routed over eth1, flowtable
           devices = { eth0, eth1 }
  ceilingt ceiling with the tunnel flag on the flowtable (patched kernel
           only): a plain flow in the flowtable flowd programs, which
           also looks at every received packet for a tunnel header
  gen      the generator's share.  tx: the router drops pktgen's packets
           at its own ingress (eth0).  rx: trafgen sends the frames of the
           tunnel modes into a dummy device in its own namespace, and
           nothing reaches the router
  genp     rx only: gen with the plain frames of the ceiling modes.  A
           tunnel frame costs the generator more than a plain one (its
           packet socket dissects every header of it), so the plain modes'
           share is measured apart
"""
import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

TOP = os.environ.get("FLOWD_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
LIB = os.path.join(TOP, "tests", "vm", "lib.sh")
# tests/vm/nft-flowtable-flags.c, built and shared by run-vm.sh.
FTFLAGS = os.environ.get("FLOWD_NFT_FT_FLAGS", "")
TMP = os.environ.get("TMPDIR", "/tmp")

KINDS = ["ipip", "gre", "sit", "ip6ip6", "ipip6", "ip6gre"]
UNDERLAY = {"ipip": 4, "gre": 4, "sit": 4, "ip6ip6": 6, "ipip6": 6, "ip6gre": 6}
INNER = {"ipip": 4, "ipip6": 4, "sit": 6, "ip6ip6": 6, "gre": 4, "ip6gre": 4}
ALL_MODES = ["slow", "tunft", "full", "ceiling", "ceilingt", "gen", "genp"]
# The modes without a tunnel on the path.
PLAIN_MODES = ("ceiling", "ceilingt")
# The generator's share: what the generator costs without a router.
GEN_MODES = ("gen", "genp")
# rx: the device in the remote's namespace that takes gen's frames instead
# of eth1.  A dummy device frees what it is given: no veth, no router, and
# the same cost for any frame, so that gen and genp differ only by what
# the generator does with the frame.
GEN_DEV = "gen0"

# Addresses of tests/vm/lib.sh's topology.
ADDR = {
    4: {"client": "10.0.0.2", "router0": "10.0.0.1", "router1": "192.168.1.1",
        "remote1": "192.168.1.2", "remote2": "10.2.0.1", "server": "10.2.0.2",
        "srvnet": "10.2.0.0/24", "clinet": "10.0.0.0/24"},
    6: {"client": "fd00:a::2", "router0": "fd00:a::1", "router1": "fd00:1::1",
        "remote1": "fd00:1::2", "remote2": "fd00:b::1", "server": "fd00:b::2",
        "srvnet": "fd00:b::/64", "clinet": "fd00:a::/64"},
}
# One UDP flow per direction (different ports, so the two never share a
# conntrack entry).
PORTS = {"tx": (1000, 2000), "rx": (3000, 4000)}


def log(*a):
    print(*a, flush=True)


def run(cmd, check=True, input=None):
    r = subprocess.run(cmd, input=input, text=True, capture_output=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
    return r


def ns_run(ns, cmd, **kw):
    return run(["ip", "netns", "exec", ns] + cmd, **kw)


def bash(script):
    return run(["bash", "-c", ". %s\n%s" % (LIB, script)])


def mono_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def guest_sleep(sec):
    # Guest time; the generator runs meanwhile.
    time.sleep(sec)


# --- per-netns views through a sleeper process ---------------------------

# How long the generators get to start, in guest time.  Generous: with
# icount sleep=off, guest time runs ahead while the guest waits for a busy
# host (its root is on 9p), and a start is seen within milliseconds anyway.
START_WAIT_NS = 60 * 10**9


class Sleepers:
    def __init__(self, names):
        self.procs = {}
        for ns in names:
            # The shell says it is there once `ip netns exec` has entered
            # the namespace, and becomes the sleeper.  A blocking read, not
            # a poll with a timeout: under icount with sleep=off the guest
            # clock jumps ahead while the guest waits for the host (9p),
            # so a busy host made a guest-time timeout expire at once.
            p = subprocess.Popen(["ip", "netns", "exec", ns, "sh", "-c",
                                  "echo ready; exec sleep infinity"],
                                 stdout=subprocess.PIPE)
            line = p.stdout.readline()
            p.stdout.close()
            if line.strip() != b"ready":
                p.kill()
                p.wait()
                raise RuntimeError("sleeper in %s did not start (exit %s)" %
                                   (ns, p.returncode))
            self.procs[ns] = p

    def path(self, ns, rel):
        return "/proc/%d/net/%s" % (self.procs[ns].pid, rel)

    def stop(self):
        for p in self.procs.values():
            p.kill()
            p.wait()


def read_dev(sl, ns, tx=False):
    """(packets, bytes) received by each device of NS, or sent with TX."""
    out = {}
    with open(sl.path(ns, "dev")) as f:
        for line in f.readlines()[2:]:
            name, rest = line.split(":", 1)
            v = rest.split()
            out[name.strip()] = (int(v[9]), int(v[8])) if tx else (int(v[1]), int(v[0]))
    return out


def read_snmp(sl, ns):
    """IPv4 and IPv6 counters of NS: the slow path's footprints."""
    out = {}
    with open(sl.path(ns, "snmp")) as f:
        lines = f.read().splitlines()
    for i in range(0, len(lines) - 1, 2):
        keys, vals = lines[i].split(), lines[i + 1].split()
        if keys[0] == "Ip:":
            for k, v in zip(keys[1:], vals[1:]):
                out["ip4_" + k] = int(v)
    with open(sl.path(ns, "snmp6")) as f:
        for line in f:
            k, v = line.split()
            if k.startswith("Ip6"):
                out[k] = int(v)
    return {
        "fwd": out.get("ip4_ForwDatagrams", 0) + out.get("Ip6OutForwDatagrams", 0),
        "ip_in": out.get("ip4_InReceives", 0) + out.get("Ip6InReceives", 0),
        "ip_out": out.get("ip4_OutTransmits", 0) + out.get("Ip6OutTransmits", 0),
    }


def read_sched():
    """Context switches, NET_RX softirqs, interrupts (all CPUs)."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("ctxt "):
                out["ctxt"] = int(line.split()[1])
            elif line.startswith("intr "):
                out["intr"] = int(line.split()[1])
    with open("/proc/softirqs") as f:
        for line in f:
            v = line.split()
            if v and v[0] in ("NET_RX:", "TIMER:"):
                out[v[0].rstrip(":").lower()] = sum(int(x) for x in v[1:])
    return out


def read_cpu():
    """Per CPU: (user+nice, system, softirq, idle) jiffies."""
    out = []
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                v = [int(x) for x in line.split()[1:]]
                out.append((v[0] + v[1], v[2], v[6], v[3] + v[4]))
    return out


def pktgen_state(sl):
    """(started_at us, pkts sofar) of the client's pktgen device."""
    started = sofar = None
    with open(sl.path("client", "pktgen/eth0")) as f:
        for line in f:
            v = line.split()
            if "pkts-sofar:" in v:
                sofar = int(v[v.index("pkts-sofar:") + 1])
            if "started:" in v:
                started = int(v[v.index("started:") + 1].rstrip("us"))
    return started, sofar


def pktgen_sofar(sl):
    return pktgen_state(sl)[1]


def offloaded(sl, sport, dport):
    with open(sl.path("router", "nf_conntrack")) as f:
        for line in f:
            if "sport=%d dport=%d" % (sport, dport) in line and "[OFFLOAD]" in line:
                return True
    return False


# --- packets for the rx generator -----------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4_hdr(src, dst, proto, payload_len, ident=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident, 0x4000, 64, proto, 0,
                    socket.inet_pton(socket.AF_INET, src), socket.inet_pton(socket.AF_INET, dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def ip6_hdr(src, dst, nh, payload_len):
    return struct.pack("!IHBB16s16s", 6 << 28, payload_len, nh, 64,
                       socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst))


def inner_packet(fam, size, sport, dport):
    """An inner IP packet of SIZE bytes: server -> client, UDP."""
    a = ADDR[fam]
    src, dst = a["server"], a["client"]
    l3 = 20 if fam == 4 else 40
    plen = size - l3 - 8
    payload = bytes(plen)
    ulen = 8 + plen
    if fam == 4:
        pseudo = socket.inet_pton(socket.AF_INET, src) + socket.inet_pton(socket.AF_INET, dst) + \
            struct.pack("!BBH", 0, 17, ulen)
    else:
        pseudo = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
            struct.pack("!IxxxB", ulen, 17)
    u = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = csum(pseudo + u) or 0xFFFF
    u = u[:6] + struct.pack("!H", c) + u[8:]
    if fam == 4:
        return ip4_hdr(src, dst, 17, ulen) + u
    return ip6_hdr(src, dst, 17, ulen) + u


# The destination options header ip6_tunnel and ip6_gre put before the
# payload when the tunnel has an encapsulation limit (iproute2's default,
# 4): the limit option and a PadN to 8 bytes (RFC 2473 4.1.1).
IP6_ENCAP_LIMIT = 4
NEXTHDR_DEST = 60


def encap_limit_opt(nexthdr):
    return struct.pack("!BBBBBBBB", nexthdr, 0, 4, 1, IP6_ENCAP_LIMIT, 1, 1, 0)


def rx_frame(kind, fam_inner, size, dmac, smac, tunnel=True, encap_limit=False):
    """Ethernet frame the remote sends onto the router's eth1: the inner
    packet server -> client, encapsulated as KIND's tun1 would (or plain);
    with encap_limit, an IPv6 outer header carries the option as tun1 sends
    it with iproute2's default."""
    sport, dport = PORTS["rx"]
    inner = inner_packet(fam_inner, size, sport, dport)
    inner_type = 0x0800 if fam_inner == 4 else 0x86DD
    if not tunnel:
        return dmac + smac + struct.pack("!H", inner_type) + inner
    uf = UNDERLAY[kind]
    if kind in ("gre", "ip6gre"):
        payload, proto = struct.pack("!HH", 0, inner_type) + inner, 47
    else:
        payload, proto = inner, (4 if fam_inner == 4 else 41)
    a = ADDR[uf]
    if uf == 4:
        outer, etype = ip4_hdr(a["remote1"], a["router1"], proto, len(payload)), 0x0800
    else:
        if encap_limit:
            payload, proto = encap_limit_opt(proto) + payload, NEXTHDR_DEST
        outer, etype = ip6_hdr(a["remote1"], a["router1"], proto, len(payload)), 0x86DD
    return dmac + smac + struct.pack("!H", etype) + outer + payload


def write_trafgen_cfg(path, frame):
    with open(path, "w") as f:
        f.write("{\n")
        for i in range(0, len(frame), 16):
            f.write("  " + ", ".join("0x%02x" % b for b in frame[i:i + 16]) + ",\n")
        f.write("}\n")


def mac(ns, dev):
    return ns_run(ns, ["cat", "/sys/class/net/%s/address" % dev]).stdout.strip()


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


# --- rulesets --------------------------------------------------------------

FW = """
table inet fw {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ct state { established, related, new } accept
	}
}
"""

FLOWD = """
table inet flowd {
	flowtable ft {
		hook ingress priority 0
		devices = { %s }
	}
	chain forward {
		type filter hook forward priority 10; policy accept;
		meta nfproto ipv4 meta l4proto tcp flow add @ft
		meta nfproto ipv4 meta l4proto udp flow add @ft
		meta nfproto ipv6 meta l4proto tcp flow add @ft
		meta nfproto ipv6 meta l4proto udp flow add @ft
	}
}
"""

GEN = """
table netdev gen {
	chain in {
		type filter hook ingress device %s priority 0; policy drop;
	}
}
"""


def ruleset(mode, direction):
    if mode == "slow":
        return FW
    if mode == "tunft":
        return FW + FLOWD % "eth0, tun0"
    if mode == "full":
        return FW + FLOWD % "eth0, eth1, tun0"
    if mode in PLAIN_MODES:
        return FW + FLOWD % "eth0, eth1"
    if mode in GEN_MODES:
        # rx: the frames go into GEN_DEV, not to the router.
        return GEN % "eth0" if direction == "tx" else ""
    raise ValueError(mode)


# --- the bench ---------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.a = args
        self.results = {
            "flavour": os.environ.get("FLOWD_KERNEL_FLAVOUR", "?"),
            "icount": os.environ.get("FLOWD_ICOUNT", "0") == "1",
            "kernel": os.uname().release,
            "kernel_version": open("/proc/version").read().strip(),
            "nproc_guest": os.cpu_count(),
            "params": {k: v for k, v in vars(args).items() if k != "out"},
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "measurements": [],
            "errors": [],
        }
        self.route_plain = False
        self.sl = None

    def save(self):
        tmp = self.a.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.results, f, indent=1)
        os.replace(tmp, self.a.out)

    # topology
    def topo(self, kind):
        bash("topo_down")
        script = "topo_up %s\n" % kind
        if kind in ("ip6ip6", "ipip6", "ip6gre"):
            t = "ip6gre" if kind == "ip6gre" else "ip6tnl"
            # As when the committed results were first taken: before
            # kernel patch 0015 the series left packets with the default
            # encapsulation limit option to the slow path.  It accepts
            # them now, at the cost of an 8-byte option each way, which
            # these figures leave out unless --encaplimit default
            # (tests/bench/README.md).
            if self.a.encaplimit == "none":
                script += "in_ns router ip link set tun0 type %s encaplimit none || exit 1\n" % t
                script += "in_ns remote ip link set tun1 type %s encaplimit none || exit 1\n" % t
        fam = INNER[kind]
        dst = ADDR[fam]["server"]
        script += "wait_until 10 ping_ok client %s || bail 'no connectivity through %s'\n" % (dst, kind)
        script += "in_ns remote ip link add %s type dummy || exit 1\n" % GEN_DEV
        script += "in_ns remote ip link set %s up || exit 1\n" % GEN_DEV
        # The sinks drop the benchmark's packets at their ingress (ARP/ND
        # pass): the client's eth0 (rx), and for tx the remote's eth1 (the
        # router's next hop: outer packets, or inner ones for the ceiling)
        # or with --tx-sink server the server's eth0 (the remote decapsulates
        # and forwards first, and that is counted too).
        sinks = [("client", "eth0", "udp")]
        if self.a.tx_sink == "server":
            sinks.append(("server", "eth0", "udp"))
        else:
            sinks.append(("remote", "eth1", "{ udp, 4, 41, 47 }"))
        for ns, dev, what in sinks:
            script += "in_ns %s nft -f - <<'EOF' || exit 1\n" \
                "table netdev sink {\n\tchain in {\n\t\ttype filter hook ingress device %s priority 0; " \
                "policy accept;\n\t\tmeta l4proto %s drop\n\t}\n}\nEOF\n" % (ns, dev, what)
        bash(script)
        self.route_plain = False
        # Every neighbour on the way permanent: nothing answers for the
        # forwarded flows, and a neighbour probe must not fail mid-run.
        m = {(ns, d): mac(ns, d) for ns, d in (("client", "eth0"), ("router", "eth0"), ("router", "eth1"),
                                                ("remote", "eth1"), ("remote", "eth2"), ("server", "eth0"))}
        for f in (4, 6):
            a = ADDR[f]
            for ns, dev, addr, peer in (("client", "eth0", a["router0"], ("router", "eth0")),
                                        ("router", "eth0", a["client"], ("client", "eth0")),
                                        ("router", "eth1", a["remote1"], ("remote", "eth1")),
                                        ("remote", "eth1", a["router1"], ("router", "eth1")),
                                        ("remote", "eth2", a["server"], ("server", "eth0")),
                                        ("server", "eth0", a["remote2"], ("remote", "eth2"))):
                run(["ip", "-n", ns, "neigh", "replace", addr, "lladdr", m[peer], "dev", dev, "nud", "permanent"])
        self.macs = m
        if self.sl:
            self.sl.stop()
        self.sl = Sleepers(["client", "router", "remote", "server"])
        # pktgen's device, once per topology (rem_device_all is asynchronous).
        self.pktgen_write("kpktgend_0", "add_device eth0")

    def set_plain_route(self, plain, fam):
        """ceiling: the server prefix over eth1, no tunnel (both ends)."""
        if plain == self.route_plain:
            return
        for f in (4, 6):
            a, u = ADDR[f], ADDR[f]
            if plain:
                run(["ip", "-n", "router", "route", "replace", a["srvnet"], "via", u["remote1"], "dev", "eth1"])
                run(["ip", "-n", "remote", "route", "replace", a["clinet"], "via", u["router1"], "dev", "eth1"])
            else:
                run(["ip", "-n", "router", "route", "replace", a["srvnet"], "dev", "tun0"])
                run(["ip", "-n", "remote", "route", "replace", a["clinet"], "dev", "tun1"])
        self.route_plain = plain

    def load(self, mode, direction):
        if self.a.drop_caches:
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("3\n")
        rs = "flush ruleset\n" + ruleset(mode, direction)
        path = os.path.join(TMP, "router.nft")
        with open(path, "w") as f:
            f.write(rs)
        # One exec: the ruleset, then a clean conntrack table.
        ns_run("router", ["sh", "-c", "nft -f %s && conntrack -F 2>/dev/null; true" % path])
        # Full acceleration is an opt-in per flowtable (kernel patch 0010:
        # the tunnel flag, which nft 1.0.6 cannot name); without it the
        # series behaves as stock and "full" measured tunft.
        if mode in ("full", "ceilingt"):
            ns_run("router", [FTFLAGS, "set", "inet", "flowd", "ft", "tunnel"])

    # generators
    def pktgen_write(self, f, s):
        fd = os.open("/proc/%d/net/pktgen/%s" % (self.sl.procs["client"].pid, f), os.O_WRONLY)
        try:
            os.write(fd, s.encode())
        finally:
            os.close(fd)

    def tx_start(self, fam, size):
        w = self.pktgen_write

        a = ADDR[fam]
        sport, dport = PORTS["tx"]
        cmds = ["count 0", "clone_skb 0", "burst 1", "delay 0",
                "pkt_size %d" % (size + 14),  # Ethernet frame, no FCS: inner IP = size
                "dst_mac %s" % self.macs[("router", "eth0")],
                "udp_src_min %d" % sport, "udp_src_max %d" % sport,
                "udp_dst_min %d" % dport, "udp_dst_max %d" % dport]
        if fam == 4:
            cmds += ["dst_min %s" % a["server"], "dst_max %s" % a["server"],
                     "src_min %s" % a["client"], "src_max %s" % a["client"]]
        else:
            cmds += ["dst6 %s" % a["server"], "src6 %s" % a["client"]]
        for c in cmds:
            w("eth0", c)
        before = pktgen_state(self.sl)[0]
        p = subprocess.Popen(["ip", "netns", "exec", "client", "sh", "-c",
                              "echo start > /proc/net/pktgen/pgctrl"])
        # pgctrl only asks the pktgen thread to start (it may take 100 ms
        # to look): wait until it has, or the warm-up and window miss it.
        deadline = mono_ns() + START_WAIT_NS
        while mono_ns() < deadline:
            st, sofar = pktgen_state(self.sl)
            if st != before and sofar:
                return p
            guest_sleep(0.01)
        self.tx_stop(p)
        raise RuntimeError("pktgen did not start")

    def tx_stop(self, p):
        ns_run("client", ["sh", "-c", "echo stop > /proc/net/pktgen/pgctrl"], check=False)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def rx_start(self, kind, fam, size, tunnel, dev="eth1"):
        """trafgen in the remote's namespace, sending out of DEV: eth1 (to
        the router), or GEN_DEV for the generator's share."""
        frame = rx_frame(kind, fam, size, mac_bytes(self.macs[("router", "eth1")]),
                         mac_bytes(self.macs[("remote", "eth1")]), tunnel,
                         self.a.encaplimit == "default")
        cfg = os.path.join(TMP, "rx.trafgen")
        write_trafgen_cfg(cfg, frame)
        outf = open(os.path.join(TMP, "trafgen.log"), "w")
        # -P 1: one sender (several starve the guest under TCG); -A/-Q: do
        # not tune socket memory or IRQ affinity; qdisc bypassed (default).
        p = subprocess.Popen(["ip", "netns", "exec", "remote", "trafgen", "-i", cfg, "-o", dev,
                              "-P", "1", "-n", "0", "--no-sock-mem", "-Q", "-C"] + self.a.trafgen_opts.split(),
                             stdout=outf, stderr=subprocess.STDOUT, start_new_session=True,
                             cwd=TMP)  # trafgen writes a temporary file in its cwd
        p.logf = outf
        # Wait until frames arrive at the router, or leave through GEN_DEV
        # (trafgen has to start up and fill its ring first).
        if dev == "eth1":
            def count():
                return read_dev(self.sl, "router")["eth1"][0]
        else:
            def count():
                return read_dev(self.sl, "remote", tx=True)[dev][0]
        c0 = count()
        deadline = mono_ns() + START_WAIT_NS
        while mono_ns() < deadline:
            if count() > c0 + 100:
                return p
            if p.poll() is not None:
                break
            guest_sleep(0.01)
        self.rx_stop(p)
        with open(os.path.join(TMP, "trafgen.log")) as f:
            raise RuntimeError("trafgen did not start: %s" % f.read()[-300:])

    def rx_stop(self, p):
        try:
            os.killpg(p.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        p.logf.close()

    def measure(self, kind, direction, size, mode, rnd):
        fam = INNER[kind]
        a = self.a
        self.set_plain_route(mode in PLAIN_MODES, fam)
        self.load(mode, direction)
        sport, dport = PORTS[direction]
        count_tx = False
        if mode in GEN_MODES:
            if direction == "tx":
                cnt_ns, cnt_dev = "router", "eth0"
            else:
                cnt_ns, cnt_dev, count_tx = "remote", GEN_DEV, True
        else:
            if direction == "rx":
                cnt_ns, cnt_dev = "client", "eth0"
            elif self.a.tx_sink == "server":
                cnt_ns, cnt_dev = "server", "eth0"
            else:
                cnt_ns, cnt_dev = "remote", "eth1"
        rec = {"kind": kind, "dir": direction, "size": size, "mode": mode, "round": rnd,
               "inner": fam, "underlay": UNDERLAY[kind], "counted_at": "%s/%s" % (cnt_ns, cnt_dev)}
        t_guest = time.time()
        if direction == "tx":
            gen = self.tx_start(fam, size)
        else:
            gen = self.rx_start(kind, fam, size, mode not in PLAIN_MODES + ("genp",),
                                GEN_DEV if mode in GEN_MODES else "eth1")
        try:
            guest_sleep(a.warmup)
            need_offload = mode in ("tunft", "full") + PLAIN_MODES
            off = None
            if need_offload:
                off = False
                deadline = mono_ns() + int(a.offload_wait * 1e9)
                while True:
                    if offloaded(self.sl, sport, dport):
                        off = True
                        break
                    if mono_ns() > deadline:
                        break
                    guest_sleep(0.02)
                guest_sleep(0.02)
            d0 = read_dev(self.sl, cnt_ns, count_tx)[cnt_dev]
            s0 = read_snmp(self.sl, "router")
            g0 = pktgen_sofar(self.sl) if direction == "tx" else None
            c0 = read_cpu()
            x0 = read_sched()
            t0 = mono_ns()
            guest_sleep(a.window)
            t1 = mono_ns()
            x1 = read_sched()
            c1 = read_cpu()
            g1 = pktgen_sofar(self.sl) if direction == "tx" else None
            d1 = read_dev(self.sl, cnt_ns, count_tx)[cnt_dev]
            s1 = read_snmp(self.sl, "router")
            # The flow may not have stayed in the fast path all along.
            off_after = offloaded(self.sl, sport, dport) if need_offload else None
        finally:
            if direction == "tx":
                self.tx_stop(gen)
            else:
                self.rx_stop(gen)
        pkts = d1[0] - d0[0]
        dt = (t1 - t0) / 1e9
        rec.update({"pkts": pkts, "bytes": d1[1] - d0[1], "guest_s": dt, "pps": pkts / dt if dt > 0 else 0,
                    "frame_len": (d1[1] - d0[1]) / pkts if pkts else None,
                    "offload": off, "offload_after": off_after,
                    "gen_sent": (g1 - g0) if g0 is not None and g1 is not None else None,
                    "sched": {k: x1[k] - x0[k] for k in x0},
                    "cpu_jiffies": [[b - a_ for a_, b in zip(x, y)] for x, y in zip(c0, c1)],
                    "router_slow": {k: s1[k] - s0[k] for k in s0},
                    "guest_total_s": round(time.time() - t_guest, 2)})
        # Did the mode do what it claims?  Slow-path footprints in the
        # router during the window must be a small fraction of the packets.
        flat = max(50, pkts // 100)
        rs = rec["router_slow"]
        ok, why = True, []
        if pkts == 0:
            ok = False
            why.append("no packets at the sink")
        # The generator must have kept the (only) CPU busy all along.
        idle = sum(c[3] for c in rec["cpu_jiffies"])
        busy = sum(sum(c) for c in rec["cpu_jiffies"])
        rec["idle_frac"] = idle / busy if busy else None
        if busy and idle > max(1, busy // 50):
            ok = False
            why.append("CPU idle %d of %d jiffies in the window" % (idle, busy))
        if need_offload:
            if not off or not off_after:
                ok = False
                why.append("flow not [OFFLOAD]")
            if rs["fwd"] > flat:
                ok = False
                why.append("inner flow forwarded by the stack (%d)" % rs["fwd"])
        if mode in ("full",) + PLAIN_MODES:
            if rs["ip_in"] > flat or rs["ip_out"] > flat:
                ok = False
                why.append("packets through the IP stack (in %d, out %d)" % (rs["ip_in"], rs["ip_out"]))
        rec["valid"] = ok
        if (pkts == 0 and rec.get("gen_sent") is not None) or self.a.debug:
            try:
                if direction == "tx":
                    with open("/proc/%d/net/pktgen/eth0" % self.sl.procs["client"].pid) as f:
                        rec["gen_log"] = f.read()[-600:]
                else:
                    with open(os.path.join(TMP, "trafgen.log")) as f:
                        rec["gen_log"] = f.read()[-600:]
            except OSError as e:
                rec["gen_log"] = str(e)
            log("# generator: " + rec["gen_log"].replace("\n", "\n# "))
        if self.a.debug:
            log("# sched %s" % rec["sched"])
            log("# gen_sent %s cpu (user,sys,softirq,idle) %s slow %s" % (rec["gen_sent"], rec["cpu_jiffies"], rs))
        if why:
            rec["invalid_reason"] = "; ".join(why)
        return rec

    def main(self):
        a = self.a
        order = list(a.modes)
        t_start = time.time()
        for kind in a.kinds:
            try:
                self.topo(kind)
            except Exception as e:  # a kind that cannot be set up: say so, go on
                self.results["errors"].append("%s: setup: %s" % (kind, e))
                log("ERROR %s setup: %s" % (kind, e))
                continue
            for rnd in range(a.rounds):
                # Rotate the mode order per round: no mode always follows the same one.
                modes = order[rnd % len(order):] + order[:rnd % len(order)]
                for direction in a.dirs:
                    for size in a.sizes:
                        for mode in modes:
                            if mode == "genp" and direction == "tx":
                                continue  # pktgen sends the same packets in every mode
                            earlier = []
                            for attempt in range(1 + a.retries):
                                try:
                                    rec = self.measure(kind, direction, size, mode, rnd)
                                except Exception as e:
                                    rec = {"kind": kind, "dir": direction, "size": size, "mode": mode,
                                           "round": rnd, "valid": False, "invalid_reason": "error: %s" % e}
                                if rec["valid"]:
                                    break
                                earlier.append(rec.get("invalid_reason"))
                            # A mode that failed again on a retry is reported as failed.
                            if earlier and rec["valid"]:
                                rec["retried_after"] = earlier
                            self.results["measurements"].append(rec)
                            log("%-7s %s %4d %-7s r%d  %9.0f pps  %s%s  [%ss, %.0fs guest]" % (
                                kind, direction, size, mode, rnd, rec.get("pps", 0),
                                "ok" if rec["valid"] else "INVALID",
                                "" if rec["valid"] else " (%s)" % rec.get("invalid_reason"),
                                rec.get("guest_total_s"), time.time() - t_start))
                            self.save()
        self.results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.save()
        if self.sl:
            self.sl.stop()
        bash("topo_down")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kinds", default=",".join(KINDS))
    p.add_argument("--dirs", default="tx,rx")
    p.add_argument("--sizes", default="64,1400")
    p.add_argument("--modes", default=None)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--window", type=float, default=0.15, help="guest seconds counted")
    p.add_argument("--warmup", type=float, default=0.05, help="guest seconds before the window")
    p.add_argument("--offload-wait", type=float, default=1.0)
    p.add_argument("--tx-sink", choices=["remote", "server"], default="remote")
    p.add_argument("--encaplimit", choices=["none", "default"], default="none",
                   help="IPv6-underlay tunnels: encaplimit none, or iproute2's default (4)")
    p.add_argument("--out", default="/run/flowd-out/bench.json")
    p.add_argument("--debug", action="store_true")
    p.add_argument("--drop-caches", action="store_true")
    p.add_argument("--trafgen-opts", default="", help="extra trafgen options (rx generator)")
    p.add_argument("--retries", type=int, default=1, help="re-measure an invalid window this often")
    a = p.parse_args()
    a.kinds = [k for k in a.kinds.split(",") if k]
    for k in a.kinds:
        if k not in KINDS:
            p.error("unknown kind %s" % k)
    a.dirs = [d for d in a.dirs.split(",") if d]
    a.sizes = [int(s) for s in a.sizes.split(",") if s]
    if a.modes is None:
        flav = os.environ.get("FLOWD_KERNEL_FLAVOUR", "patched")
        a.modes = ("slow,tunft,ceiling,gen,genp" if flav == "stock"
                   else "slow,tunft,full,ceiling,ceilingt,gen,genp")
    a.modes = [m for m in a.modes.split(",") if m]
    for m in a.modes:
        if m not in ALL_MODES:
            p.error("unknown mode %s" % m)
    if os.environ.get("FLOWD_ICOUNT") != "1":
        log("# warning: not under icount: guest time is not instruction count")
    Bench(a).main()


if __name__ == "__main__":
    sys.exit(main())
