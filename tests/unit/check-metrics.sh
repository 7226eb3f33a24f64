#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `flowctl metrics` output checked by a real parser: the golden files in
# tests/unit/flowctl/*.prom, which test_flowctl and test_status compare
# flowctl's renderer with byte for byte (metrics-daemon.prom is rendered
# from the daemon's own status builder), parsed by prometheus_client's
# text-format parser (Debian: python3-prometheus-client, see
# tests/setup-host.sh), plus what that parser lets through but the
# Prometheus text format 0.0.4 and node_exporter's textfile collector do
# not: a family split or repeated, a sample before its TYPE, timestamps,
# missing HELP, bytes that are not UTF-8.  Every metric must be documented
# in man/flowctl.8.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
python=
# Debian's interpreter first: a python3 earlier in PATH may lack Debian's packages.
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import prometheus_client.parser' 2>/dev/null; then
		python=$p
		break
	fi
done
if [ -z "$python" ]; then
	echo "FAIL: no python3 with prometheus_client; install python3-prometheus-client" \
		"(tests/setup-host.sh)" >&2
	exit 99
fi

exec "$python" - "$top" <<'EOF'
import glob
import os
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

top = sys.argv[1]
man = open(os.path.join(top, "man", "flowctl.8"), encoding="utf-8").read()
NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
failed = False

# Label values the hostile fixture must parse back to (its names, escaped
# for a terminal by flowctl where the format has no escape).
HOSTILE = {
    ("flowd_device_offloaded_flows", "device"): {
        'q"uote\\back', "esc\\x1b[2J", "new\nline", "del\\x7f", "c1\\u009b", "m\u00fcller",
    },
}


def fail(path, msg):
    global failed
    failed = True
    print("FAIL %s: %s" % (os.path.basename(path), msg))


def family_of(sample, types):
    """The family a sample line belongs to, by the 0.0.4 rules."""
    if sample in types:
        return sample
    for suffix in ("_total", "_count", "_sum", "_bucket"):
        if sample.endswith(suffix) and sample[: -len(suffix)] in types:
            return sample[: -len(suffix)]
    return None


def check_lines(path, text):
    types, helps, done, current = {}, set(), set(), None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP "):
            helps.add(line.split(" ")[2])
            continue
        if line.startswith("# TYPE "):
            name, typ = line.split(" ")[2:4]
            if name in types:
                fail(path, "line %d: second TYPE for %s" % (n, name))
            types[name] = typ
            if name not in helps:
                fail(path, "line %d: TYPE for %s without HELP before it" % (n, name))
            continue
        if line.startswith("#") or not line:
            fail(path, "line %d: unexpected %r" % (n, line))
            continue
        sample = re.match(r"[^{ ]+", line).group(0)
        fam = family_of(sample, types)
        if fam is None:
            fail(path, "line %d: %s has no TYPE before it" % (n, sample))
            continue
        if fam != current:
            if fam in done:
                fail(path, "line %d: family %s split" % (n, fam))
            if current:
                done.add(current)
            current = fam
        # name{labels} value, no timestamp
        rest = line[len(sample):]
        if rest.startswith("{"):
            rest = rest[rest.rindex("}") + 1:]
        if len(rest.split()) != 1:
            fail(path, "line %d: want exactly one value, no timestamp: %r" % (n, line))
    return types


for path in sorted(glob.glob(os.path.join(top, "tests", "unit", "flowctl", "*.prom"))):
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(path, "not UTF-8: %s" % e)
        continue
    if text and not text.endswith("\n"):
        fail(path, "does not end with a newline")
    if re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text):
        fail(path, "control characters in the file")
    types = check_lines(path, text)
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and others
        fail(path, "prometheus_client cannot parse it: %r" % e)
        continue
    seen = set()
    for f in families:
        if f.name in seen:
            fail(path, "family %s twice" % f.name)
        seen.add(f.name)
        if not NAME.match(f.name):
            fail(path, "bad metric name %s" % f.name)
        if not f.documentation:
            fail(path, "%s has no HELP" % f.name)
        untyped = f.name.startswith("flowd_counter_")
        if f.type not in ("counter", "gauge") and not (untyped and f.type == "unknown"):
            fail(path, "%s has type %s" % (f.name, f.type))
        if not f.samples:
            fail(path, "%s has no samples" % f.name)
        for s in f.samples:
            if s.timestamp is not None:
                fail(path, "%s has a timestamp" % s.name)
        if not untyped:
            # prometheus_client names a counter family without "_total".
            name = f.name + "_total" if f.name + "_total" in types else f.name
            if not re.search(r"(?<![a-z_])%s(?![a-z_])" % re.escape(name), man):
                fail(path, "%s is not documented in man/flowctl.8" % name)
    if os.path.basename(path) == "metrics-hostile.prom":
        for (fam, label), want in HOSTILE.items():
            got = {s.labels[label] for f in families if f.name == fam for s in f.samples}
            if got != want:
                fail(path, "%s %s labels parse as %r, want %r" % (fam, label, got, want))
    if not failed:
        print("ok   %s: %d families" % (os.path.basename(path), len(families)))

sys.exit(1 if failed else 0)
EOF
