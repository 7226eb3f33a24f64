#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Read or change the flags of an existing nftables flowtable through
# nftables netlink, for the kernel tunnel flowtable tests: Debian's nft has
# no name for the tunnel offload flag (NFT_FLOWTABLE_TUNNEL, 0x4) that the
# kernel series (kernel/patches/) adds.
#
#   nft-flowtable-flags.py get   inet filter ft     prints the flags, e.g. 0x5
#   nft-flowtable-flags.py set   inet filter ft tunnel
#   nft-flowtable-flags.py clear inet filter ft tunnel
#
# set/clear read the flowtable's flags and send a flowtable update (one
# NFT_MSG_NEWFLOWTABLE in a batch) with the flag added or removed, the
# other flags as they are.  A kernel that does not know the flag refuses
# the update: the tool then prints the kernel's error and exits 3 (1 for
# any other failure), so a test can tell "refused" from "broken".
import argparse
import errno
import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_NFTABLES = 10
NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END = 0x10, 0x11
NFT_MSG_NEWFLOWTABLE, NFT_MSG_GETFLOWTABLE = 22, 23
NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE = 0x1, 0x4, 0x400
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
# enum nft_flowtable_attributes / nft_flowtable_hook_attributes
NFTA_FLOWTABLE_TABLE, NFTA_FLOWTABLE_NAME = 1, 2
NFTA_FLOWTABLE_HOOK, NFTA_FLOWTABLE_FLAGS = 3, 7
FAMILY = {"inet": 1, "ip": 2, "arp": 3, "netdev": 5, "bridge": 7, "ip6": 10}
FLAGS = {"offload": 0x1, "counter": 0x2, "tunnel": 0x4}


def attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * (-n % 4)


def attr_str(kind, s):
    return attr(kind, s.encode() + b"\0")


def msg(mtype, flags, seq, family, body, res_id=0):
    # struct nfgenmsg: family, version, res_id (big endian)
    payload = struct.pack("=BBH", family, 0, socket.htons(res_id)) + body
    return struct.pack("=IHHII", 16 + len(payload), mtype, flags, seq, 0) + payload


def attrs(data):
    out = {}
    while len(data) >= 4:
        n, kind = struct.unpack_from("=HH", data)
        if n < 4:
            break
        out[kind & ~NLA_F_NESTED] = data[4:n]
        data = data[(n + 3) & ~3 :]
    return out


def ack_errno(payload):
    return -struct.unpack_from("=i", payload)[0]


def get_flags(sock, family, table, name):
    body = attr_str(NFTA_FLOWTABLE_TABLE, table) + attr_str(NFTA_FLOWTABLE_NAME, name)
    mtype = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETFLOWTABLE
    # The answer is a NEWFLOWTABLE message.
    rtype_ft = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWFLOWTABLE
    sock.setblocking(True)
    sock.send(msg(mtype, NLM_F_REQUEST | NLM_F_ACK, 1, family, body))
    flags = None
    while True:
        data = sock.recv(65536)
        done = False
        while len(data) >= 16:
            n, rtype, _f, _seq, _pid = struct.unpack_from("=IHHII", data)
            payload = data[16:n]
            data = data[(n + 3) & ~3 :]
            if rtype == NLMSG_ERROR:
                err = ack_errno(payload)
                if err:
                    raise OSError(err, os.strerror(err))
                done = True
            elif rtype == NLMSG_DONE:
                done = True
            elif rtype == rtype_ft:
                a = attrs(payload[4:])
                flags = struct.unpack("!I", a[NFTA_FLOWTABLE_FLAGS])[0] if NFTA_FLOWTABLE_FLAGS in a else 0
        if done:
            break
    if flags is None:
        raise OSError(errno.ENOENT, "no flowtable in the answer")
    return flags


def update_flags(sock, family, table, name, flags):
    """One flowtable update in a batch; returns the kernel's errno (0: ok)."""
    body = (
        attr_str(NFTA_FLOWTABLE_TABLE, table)
        + attr_str(NFTA_FLOWTABLE_NAME, name)
        # An update needs the hook attribute; empty: same hook, no devices.
        + attr(NFTA_FLOWTABLE_HOOK | NLA_F_NESTED, b"")
        + attr(NFTA_FLOWTABLE_FLAGS, struct.pack("!I", flags))
    )
    new = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWFLOWTABLE
    batch = (
        msg(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 10, socket.AF_UNSPEC, b"", NFNL_SUBSYS_NFTABLES)
        + msg(new, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, 11, family, body)
        + msg(NFNL_MSG_BATCH_END, NLM_F_REQUEST, 12, socket.AF_UNSPEC, b"", NFNL_SUBSYS_NFTABLES)
    )
    sock.setblocking(True)
    sock.send(batch)
    # The batch answers with one ACK (or error) for the flowtable message.
    data = sock.recv(65536)
    n, rtype, _f, seq, _pid = struct.unpack_from("=IHHII", data)
    if rtype != NLMSG_ERROR or seq != 11:
        raise OSError(errno.EPROTO, "unexpected answer type %d seq %d" % (rtype, seq))
    return ack_errno(data[16:n])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("op", choices=("get", "set", "clear"))
    ap.add_argument("family", choices=sorted(FAMILY))
    ap.add_argument("table")
    ap.add_argument("flowtable")
    ap.add_argument("flag", nargs="?", choices=sorted(FLAGS))
    a = ap.parse_args()
    if (a.op == "get") != (a.flag is None):
        ap.error("set and clear take a flag, get none")
    family = FAMILY[a.family]
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    try:
        flags = get_flags(sock, family, a.table, a.flowtable)
        if a.op == "get":
            print("0x%x" % flags)
            return 0
        new = flags | FLAGS[a.flag] if a.op == "set" else flags & ~FLAGS[a.flag]
        err = update_flags(sock, family, a.table, a.flowtable, new)
        if err:
            print(
                "nft-flowtable-flags: %s %s: flags 0x%x -> 0x%x refused: %s"
                % (a.op, a.flag, flags, new, os.strerror(err)),
                file=sys.stderr,
            )
            return 3
        got = get_flags(sock, family, a.table, a.flowtable)
        if got != new:
            print("nft-flowtable-flags: flags are 0x%x, not 0x%x" % (got, new), file=sys.stderr)
            return 1
        return 0
    except OSError as e:
        print("nft-flowtable-flags: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
