#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the libFuzzer targets with clang (ASan + UBSan + libFuzzer) into
# OUTDIR (default: build-fuzz in the source tree).  Independent of
# configure and of the gcc build; incremental.
#   tests/fuzz/build.sh [OUTDIR]
# Needs clang-14 and libclang-rt-14-dev (tests/setup-host.sh installs them).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build-fuzz}
jobs=${FLOWD_JOBS:-2}

if ! command -v clang-14 >/dev/null; then
	echo "fuzz/build.sh: clang-14 not found: apt-get install clang-14 libclang-rt-14-dev" >&2
	exit 1
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
exec make --no-print-directory -f "$top/tests/fuzz/fuzz.mk" -j"$jobs" TOP="$top" O="$out"
