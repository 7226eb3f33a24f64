#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Send hand-built tunnel packets (Ethernet + outer IPv4/IPv6 [+ GRE] + inner
# IPv4/IPv6 + UDP) out of a device through an AF_PACKET socket, optionally
# broken in one way, for the kernel tunnel flowtable tests.
#
#   kernel-tunnel-inject.py --dev eth1 --dmac MAC --outer 4 --proto ipip \
#       --osrc 192.168.1.2 --odst 192.168.1.1 --isrc 10.2.0.2 \
#       --idst 10.0.0.2 --sport 5000 --dport 6000 --count 10 [--mutate M] \
#       [--paged] [-- ARGS...]
#   kernel-tunnel-inject.py --serve
#
# Each group of arguments after a "--" is one more batch, sent after the
# previous one by the same process: the tests run it on one CPU, so that a
# last well-formed "marker" packet reaches the receiver only after every
# packet before it was handled.
#
# --paged sends through a PACKET_TX_RING: the kernel then builds each frame
# from the ring's pages and puts only the link-layer header in the linear
# area, so the receiver pulls every header it reads (as it does for
# packets a driver builds from pages), where a plain send() gives it the
# whole frame in the linear area.
#
# --serve reads one such argument list per line on stdin (shell-quoted),
# sends it and answers "sent" (or "error: REASON") on stdout: the tests
# keep one injector per topology instead of starting Python (seconds
# under TCG) for every probe.
import argparse
import ipaddress
import mmap
import select
import shlex
import socket
import struct
import sys
import time

ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q = 0x0800, 0x86DD, 0x8100
PROTO = {"ipip": 4, "ipv6": 41, "gre": 47}
MUTATIONS = (
    "none",
    "ihl4",  # outer IPv4 ihl < 5
    "ihl6",  # outer IPv4 ihl 6 (an option)
    "totlen-long",  # outer total/payload length beyond the packet
    "totlen-short",  # outer total/payload length shorter than the packet
    "frag",  # outer IPv4 fragment (MF), IPv6: fragment header
    "truncate",  # frame cut inside the outer header
    "truncate-gre",  # frame cut inside the GRE header
    "badcsum",  # outer IPv4 header checksum wrong
    "exthdr",  # outer IPv6 tunnel encapsulation limit option, as ip6tnl sends it
    "exthdr-hbh",  # outer IPv6 hop-by-hop options (PadN) before the tunnel proto
    "exthdr-limit2",  # destination options: the encapsulation limit twice
    "exthdr-limitlen",  # destination options: encapsulation limit of length 2
    "exthdr-padn",  # destination options: PadN with a non-zero byte
    "exthdr-long",  # destination options of 16 bytes (limit, PadN 1, unknown)
    "exthdr-unknown",  # destination options: limit and an unknown option
    "gre-csum",  # GRE with the checksum flag
    "gre-seq",  # GRE with a sequence number
    "gre-ver1",  # GRE version 1
    "gre-routing",  # GRE routing flag
    "version",  # outer version field wrong
    "inner-len",  # inner length inconsistent with the packet
)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0x1234, ttl=64, tos=0, ihl=5,
         totlen=None, frag=0, version=4, badcsum=False):
    opts = b"\x01" * ((ihl - 5) * 4) if ihl > 5 else b""
    hlen = 20 + len(opts)
    tl = hlen + len(payload) if totlen is None else totlen
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, tos, tl, ident,
                      frag, ttl, proto, 0,
                      ipaddress.IPv4Address(src).packed,
                      ipaddress.IPv4Address(dst).packed) + opts
    c = csum(hdr)
    if badcsum:
        c ^= 0x5555
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nexthdr, payload, flowlabel=0, hlim=64, tclass=0,
         plen=None, version=6):
    pl = len(payload) if plen is None else plen
    first = (version << 28) | (tclass << 20) | flowlabel
    return struct.pack("!IHBB16s16s", first, pl, nexthdr, hlim,
                       ipaddress.IPv6Address(src).packed,
                       ipaddress.IPv6Address(dst).packed) + payload


def udp(fam, src, dst, sport, dport, data):
    length = 8 + len(data)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    if fam == 4:
        pseudo = (ipaddress.IPv4Address(src).packed +
                  ipaddress.IPv4Address(dst).packed +
                  struct.pack("!BBH", 0, 17, length))
    else:
        pseudo = (ipaddress.IPv6Address(src).packed +
                  ipaddress.IPv6Address(dst).packed +
                  struct.pack("!IxxxB", length, 17))
    c = csum(pseudo + hdr + data) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + data


SOL_PACKET, PACKET_VERSION, PACKET_TX_RING, TPACKET_V2 = 263, 10, 13, 1
TP_STATUS_AVAILABLE, TP_STATUS_SEND_REQUEST = 0, 1
# A frame's data follows its struct tpacket2_hdr (32 bytes, aligned).
RING_FRAME, RING_FRAMES, RING_DATA = 2048, 64, 32


def send_paged(s, frame, count):
    """Send FRAME COUNT times through a TX ring on socket S."""
    if len(frame) > RING_FRAME - RING_DATA:
        raise ValueError("frame of %d bytes too long for the ring" % len(frame))
    s.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V2)
    size = RING_FRAME * RING_FRAMES
    s.setsockopt(SOL_PACKET, PACKET_TX_RING,
                 struct.pack("IIII", size, 1, RING_FRAME, RING_FRAMES))
    ring = mmap.mmap(s.fileno(), size)
    try:
        while count:
            batch = min(count, RING_FRAMES)
            for i in range(batch):
                at = i * RING_FRAME
                ring[at + RING_DATA:at + RING_DATA + len(frame)] = frame
                # tp_len, then tp_status last: the kernel reads the frame
                # once it sees the status.
                ring[at + 4:at + 8] = struct.pack("I", len(frame))
                ring[at:at + 4] = struct.pack("I", TP_STATUS_SEND_REQUEST)
            # A blocking send returns once every frame has been handed to
            # the device (tpacket_snd() waits for them).
            s.send(b"")
            # The frames are free again once the receiver let them go.
            end = time.monotonic() + 30
            for i in range(batch):
                at = i * RING_FRAME
                while struct.unpack("I", ring[at:at + 4])[0] != TP_STATUS_AVAILABLE:
                    if time.monotonic() > end:
                        raise OSError("TX ring frame %d never sent" % i)
                    select.select([], [s], [], 0.01)
            count -= batch
    finally:
        ring.close()


def send(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", required=True)
    ap.add_argument("--dmac", required=True)
    ap.add_argument("--vlan", type=int, default=0)
    ap.add_argument("--outer", type=int, choices=(4, 6), required=True)
    ap.add_argument("--proto", choices=PROTO, required=True)
    ap.add_argument("--osrc", required=True)
    ap.add_argument("--odst", required=True)
    ap.add_argument("--isrc", required=True)
    ap.add_argument("--idst", required=True)
    ap.add_argument("--sport", type=int, default=5000)
    ap.add_argument("--dport", type=int, default=6000)
    ap.add_argument("--count", type=int, default=10)
    # "none": no key, whatever an earlier --key said (the last one wins).
    ap.add_argument("--key", type=lambda x: None if x == "none" else int(x, 0),
                    default=None)
    ap.add_argument("--ident", type=lambda x: int(x, 0), default=0x1234,
                    help="outer IPv4 id or IPv6 flow label")
    ap.add_argument("--tos", type=lambda x: int(x, 0), default=0,
                    help="outer tos / traffic class")
    ap.add_argument("--itos", type=lambda x: int(x, 0), default=0,
                    help="inner tos / traffic class")
    ap.add_argument("--size", type=int, default=64, help="UDP payload bytes")
    ap.add_argument("--mutate", choices=MUTATIONS, default="none")
    ap.add_argument("--paged", action="store_true",
                    help="send through a TX ring: headers outside the linear area")
    a = ap.parse_args(argv)
    m = a.mutate

    ifam = 6 if ":" in a.isrc else 4
    data = (b"flowd-tunnel-probe-" * 100)[:a.size]
    l4 = udp(ifam, a.isrc, a.idst, a.sport, a.dport, data)
    if ifam == 4:
        inner = ipv4(a.isrc, a.idst, 17, l4, tos=a.itos,
                     totlen=(20 + len(l4) + 40) if m == "inner-len" else None)
        iproto = ETH_P_IP
    else:
        inner = ipv6(a.isrc, a.idst, 17, l4, tclass=a.itos,
                     plen=(len(l4) + 40) if m == "inner-len" else None)
        iproto = ETH_P_IPV6

    proto = PROTO[a.proto]
    if a.proto == "gre":
        flags, extra = 0, b""
        if m == "gre-csum":
            flags |= 0x8000
            extra += b"\0\0\0\0"
        if a.key is not None:
            flags |= 0x2000
            extra += struct.pack("!I", a.key)
        if m == "gre-seq":
            flags |= 0x1000
            extra += struct.pack("!I", 1)
        if m == "gre-ver1":
            flags |= 1
        if m == "gre-routing":
            flags |= 0x4000
        payload = struct.pack("!HH", flags, iproto) + extra + inner
    else:
        payload = inner

    if a.outer == 4:
        kw = {}
        if m == "ihl4":
            kw["ihl"] = 4
        if m == "ihl6":
            kw["ihl"] = 6
        if m == "totlen-long":
            kw["totlen"] = 20 + len(payload) + 100
        if m == "totlen-short":
            kw["totlen"] = 20 + len(payload) - 8
        if m == "frag":
            kw["frag"] = 0x2000
        if m == "badcsum":
            kw["badcsum"] = True
        if m == "version":
            kw["version"] = 6
        pkt = ipv4(a.osrc, a.odst, proto, payload, ident=a.ident, tos=a.tos,
                   **kw)
        etype = ETH_P_IP
    else:
        kw = {}
        nh = proto
        # Extension headers before the tunnel protocol: option bytes after
        # next header and length (type 4: tunnel encapsulation limit, 1:
        # PadN, 0: Pad1, 0x1e: an option no one knows, skipped by the stack).
        exthdrs = {
            "exthdr": (60, [4, 1, 4, 1, 1, 0]),
            "exthdr-hbh": (0, [1, 4, 0, 0, 0, 0]),
            "exthdr-limit2": (60, [4, 1, 4, 4, 1, 3]),
            "exthdr-limitlen": (60, [4, 2, 4, 0, 1, 0]),
            "exthdr-padn": (60, [4, 1, 4, 1, 1, 7]),
            "exthdr-long": (60, [4, 1, 4, 1, 1, 0, 0x1E, 6, 0, 0, 0, 0, 0, 0]),
            "exthdr-unknown": (60, [4, 1, 4, 0x1E, 1, 0]),
        }
        if m in exthdrs:
            nh, opts = exthdrs[m]
            hdr = bytes([proto, (len(opts) + 2) // 8 - 1] + opts)
            payload = hdr + payload
        if m == "frag":
            payload = struct.pack("!BBHI", proto, 0, 1, 0x1234) + payload
            nh = 44
        if m == "totlen-long":
            kw["plen"] = len(payload) + 100
        if m == "totlen-short":
            kw["plen"] = len(payload) - 8
        if m == "version":
            kw["version"] = 4
        pkt = ipv6(a.osrc, a.odst, nh, payload, flowlabel=a.ident & 0xFFFFF,
                   tclass=a.tos, **kw)
        etype = ETH_P_IPV6

    if m == "truncate":
        pkt = pkt[:12]
    if m == "truncate-gre":
        pkt = pkt[:(20 if a.outer == 4 else 40) + 2]

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.dev, 0))
    src = s.getsockname()[4][:6]
    dst = bytes.fromhex(a.dmac.replace(":", ""))
    if a.vlan:
        l2 = dst + src + struct.pack("!HHH", ETH_P_8021Q, a.vlan, etype)
    else:
        l2 = dst + src + struct.pack("!H", etype)
    try:
        if a.paged:
            send_paged(s, l2 + pkt, a.count)
        else:
            for _ in range(a.count):
                s.send(l2 + pkt)
    finally:
        s.close()


def send_groups(args):
    """Send each "--"-separated group of ARGS as one batch, in order."""
    group = []
    for arg in args + ["--"]:
        if arg != "--":
            group.append(arg)
            continue
        if group:
            send(group)
        group = []


def serve():
    while True:
        line = sys.stdin.readline()
        if not line:
            return 0
        try:
            send_groups(shlex.split(line))
            reply = "sent"
        except SystemExit:
            # argparse has printed its reason on stderr.
            reply = "error: bad arguments"
        except (OSError, ValueError) as e:
            reply = "error: %s" % e
        sys.stdout.write(reply + "\n")
        sys.stdout.flush()


def main():
    if sys.argv[1:] == ["--serve"]:
        return serve()
    send_groups(sys.argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
