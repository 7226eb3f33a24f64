#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by tests/vm/run-vm.sh inside the benchmark VM: tests/bench/guest.py
# does the work (arguments passed through).
exec /usr/bin/python3 "$FLOWD_TOP/tests/bench/guest.py" "$@"
