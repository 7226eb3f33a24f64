#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Static analysis of src/: cppcheck, then clang-tidy (checks in .clang-tidy).
# Either one's finding fails the run.  No configure needed: config.h's few
# values come from a stub, the libraries' flags from pkg-config.  False
# positives are suppressed where they are, with the reason:
#   cppcheck:   /* cppcheck-suppress ID ; why */ on the line before
#   clang-tidy: /* NOLINT(check): why */ or NOLINTNEXTLINE / NOLINTBEGIN
#   tests/static-analysis.sh [FILE...]   (default: src/*.c)
# Needs cppcheck and clang-tidy (tests/setup-host.sh installs them).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=${FLOWD_JOBS:-2}
tidy=$(command -v clang-tidy-14 || command -v clang-tidy) || {
	echo "static-analysis: clang-tidy not found: apt-get install clang-tidy" >&2
	exit 1
}
command -v cppcheck >/dev/null || {
	echo "static-analysis: cppcheck not found: apt-get install cppcheck" >&2
	exit 1
}
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(src/*.c)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# What configure would define (Makefile.am passes SYSCONFDIR/RUNSTATEDIR);
# HAVE_LIBSYSTEMD so the sd_notify code is analyzed too.
cat >"$work/config.h" <<'EOH'
#define PACKAGE_NAME "flowd"
#define PACKAGE_VERSION "0.0"
#define HAVE_LIBSYSTEMD 1
EOH
defs=(-D_GNU_SOURCE '-DSYSCONFDIR="/etc"' '-DRUNSTATEDIR="/run"')
# Libraries' headers as system headers: their findings are not ours.
sys=$(pkg-config --cflags-only-I libmnl libnftnl libnl-3.0 libnl-route-3.0 \
	libnetfilter_conntrack libconfig jansson libsystemd | sed 's/-I/-isystem /g')

rc=0
echo "== cppcheck $(cppcheck --version | sed 's/Cppcheck //')"
# variableScope is off: the project's style (KNF) declares locals at the
# top of a function, which that check argues against everywhere.
# missingIncludeSystem: system headers are not given to cppcheck (they
# would slow it down and it needs only the project's).
if ! cppcheck --enable=warning,style,performance,portability --error-exitcode=1 \
	--inline-suppr --std=c11 --quiet -j "$jobs" \
	--suppress=variableScope --suppress=missingIncludeSystem \
	-I"$work" -Iinclude -Isrc "${defs[@]}" -DHAVE_LIBSYSTEMD=1 \
	"${files[@]}"; then
	echo "static-analysis: cppcheck found problems"
	rc=1
fi

echo "== $("$tidy" --version | grep -o 'LLVM version [0-9.]*' | sed 's/LLVM/clang-tidy/')"
# shellcheck disable=SC2086 # $sys is a list of flags
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -I{} "$tidy" --quiet {} -- \
	-std=gnu11 -I"$work" -Iinclude -Isrc "${defs[@]}" $sys >"$work/tidy.log" 2>&1
tidy_rc=$?
# clang-tidy's "N warnings generated" chatter is noise; findings stay.
grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter|^Use -system-headers' \
	"$work/tidy.log"
if [ $tidy_rc -ne 0 ] || grep -q -E ': (warning|error): ' "$work/tidy.log"; then
	echo "static-analysis: clang-tidy found problems"
	rc=1
fi
[ $rc -eq 0 ] && echo "static-analysis: ${#files[@]} files clean (cppcheck, clang-tidy)"
exit $rc
