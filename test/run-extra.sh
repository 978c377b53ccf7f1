#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-extra.sh -- the udsx command's argument handling, the UDSX_* variables, and the differential suite under other settings.
set -u
B=${1:-build}
pass=0; fail=0; skip=0
check() { # check LABEL EXPECTED_EXIT CMD... (stdout/stderr to a log)
	local label=$1 want=$2 got; shift 2
	"$@" >"$B/test-out/extra.cmd.log" 2>&1; got=$?
	if [ "$got" = "$want" ]; then pass=$((pass+1)); echo "ok   extra $label"
	else fail=$((fail+1)); echo "FAIL extra $label (exit $got, want $want)"; sed 's/^/    /' "$B/test-out/extra.cmd.log" | head -5; fi
}
check_grep() { # check_grep LABEL PATTERN: the last command's output contains PATTERN
	if grep -q -- "$2" "$B/test-out/extra.cmd.log"; then pass=$((pass+1)); echo "ok   extra $1"
	else fail=$((fail+1)); echo "FAIL extra $1 (no '$2' in output)"; fi
}
check_empty() { # check_empty LABEL: the last command printed nothing
	if [ ! -s "$B/test-out/extra.cmd.log" ]; then pass=$((pass+1)); echo "ok   extra $1"
	else fail=$((fail+1)); echo "FAIL extra $1 (printed: $(head -c 200 "$B/test-out/extra.cmd.log"))"; fi
}
U=$B/udsx
check "udsx version" 0 "$U" version; check_grep "udsx version prints it" "udsx $(cat VERSION)"
check "udsx with no command" 2 "$U"
check "udsx unknown command" 2 "$U" frobnicate; check_grep "unknown command is named" "unknown command 'frobnicate'"
check "udsx run unknown option" 2 "$U" run --fast -- true; check_grep "unknown option is named" "unknown option '--fast'"
check "udsx run bad --spin-us" 2 "$U" run --spin-us lots -- true; check_grep "bad --spin-us is explained" "not a number"
check "udsx run negative --spin-us" 2 "$U" run --spin-us -5 -- true
check "udsx run without --" 2 "$U" run true
check "udsx run missing program" 127 "$U" run -- /nonexistent/prog
check "udsx run passes the exit status" 3 "$U" run -- sh -c 'exit 3'
sg=$B/test-out/setgid-true
if cp /bin/true "$sg" 2>/dev/null && chgrp nogroup "$sg" 2>/dev/null && chmod 2755 "$sg" && [ "$(id -g)" != "$(stat -c %g "$sg")" ]; then
	check "udsx run of a set-group-ID program" 0 "$U" run -- "$sg"
	check_grep "it warns that the loader ignores LD_PRELOAD" "ignores LD_PRELOAD"
else
	skip=$((skip+1)); echo "SKIP extra set-group-ID warning (cannot make a set-group-ID file here)"
fi
check "udsx run warns about a bad UDSX_SPIN_US" 0 env UDSX_SPIN_US=abc "$U" run -- true
check_grep "the warning names the variable" "UDSX_SPIN_US"
check "library is silent on a bad UDSX_* value" 0 env UDSX_SPIN_US=abc UDSX_RING_KB=-1 LD_PRELOAD="$B/libudsx.so" "$B/test/diff/basic_rw" stream
grep -v '^==\|^[a-z]' "$B/test-out/extra.cmd.log" >"$B/test-out/extra.stray.log"; cp "$B/test-out/extra.stray.log" "$B/test-out/extra.cmd.log"; check_empty "nothing on stderr"
check "UDSX_DISABLE=1 creates no channel" 77 env UDSX_DISABLE=1 "$U" run -- "$B/test/reattach"
check "channels are created by default" 0 "$U" run -- "$B/test/reattach"
check "blocked reader and writer use no CPU" 0 "$U" run -- "$B/test/idle"; check_grep "idle CPU is reported" "CPU used"

# A real program: Python's multiprocessing and asyncio over socketpairs,
# once on the kernel and once under udsx; the output must be the same.
if command -v python3 >/dev/null 2>&1; then
	timeout 60 python3 test/real/python_socketpair.py >"$B/test-out/python.kernel" 2>&1
	timeout 60 "$U" run -- python3 test/real/python_socketpair.py >"$B/test-out/python.udsx" 2>&1
	if cmp -s "$B/test-out/python.kernel" "$B/test-out/python.udsx" && grep -q "bytes to EOF" "$B/test-out/python.udsx"; then
		pass=$((pass+1)); echo "ok   extra python multiprocessing + asyncio: same output under udsx"
	else
		fail=$((fail+1)); echo "FAIL extra python multiprocessing + asyncio"; diff "$B/test-out/python.kernel" "$B/test-out/python.udsx" | head -5 | sed 's/^/    /'
	fi
else
	skip=$((skip+1)); echo "SKIP extra python (no python3)"
fi

echo "$pass passed, $fail failed, $skip skipped" >"$B/test-out/extra.cmds.sum"
# (the variants run socketpairs and pathname connections; abstract names
# take the same code paths as pathnames once connected, and the plain and
# sanitizer runs above cover them)
export DIFF_CONNS="pair path"
echo "== differential suite, spinning off (UDSX_SPIN_US=0)"
UDSX_SPIN_US=0 GAPS_STRICT=0 bash test/run-diff.sh "$B" spin0 | tee "$B/test-out/spin0.log" | grep -v '^ok'
echo "== differential suite, 64 KiB rings (most channels revert under pressure)"
UDSX_RING_KB=64 GAPS_STRICT=0 bash test/run-diff.sh "$B" ring64 | tee "$B/test-out/ring64.log" | grep -v '^ok'
# (socketpairs only: with no channel memory a connection is never even
# offered one, so its run adds nothing the plain pass lacks; ~1 minute less)
echo "== differential suite, memory cap 0 (no channel at all; socketpair mode)"
DIFF_CONNS=pair UDSX_MEM_MAX_MB=0 GAPS_STRICT=0 bash test/run-diff.sh "$B" nomem | tee "$B/test-out/nomem.log" | grep -v '^ok'
# both sides of every run on one CPU, as under taskset or a one-CPU cpuset:
# ends confined to the same CPU yield it to each other instead of spinning
echo "== differential suite on one CPU (taskset, socketpair mode: waits yield the CPU)"
DIFF_CONNS=pair GAPS_STRICT=0 taskset -c "$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')" \
	bash test/run-diff.sh "$B" onecpu | tee "$B/test-out/onecpu.log" | grep -v '^ok'
for f in spin0 ring64 nomem onecpu; do
	set -- $(tail -n 1 "$B/test-out/$f.log")
	pass=$((pass + $1)); fail=$((fail + $3)); skip=$((skip + $5))
done
echo "$pass passed, $fail failed, $skip skipped"
