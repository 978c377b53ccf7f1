#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-diff.sh -- run every differential scenario on the plain kernel and under udsx; transcripts must match.
# usage: test/run-diff.sh BUILD_DIR [LABEL]   (prints one line per instance, then "N passed, N failed")
set -u
B=${1:-build}
LABEL=${2:-diff}
T=${UDSX_TEST_TIMEOUT:-30}
OUT=$B/test-out/$LABEL
rm -rf "$OUT"; mkdir -p "$OUT"
pass=0; fail=0; skip=0
for prog in "$B"/test/diff/*; do
	[ -x "$prog" ] || continue
	name=$(basename "$prog")
	for inst in $("$prog" --list); do
		k=$OUT/$name.$inst.kernel; u=$OUT/$name.$inst.udsx
		# (in a subshell that does more than exec the command, so that the
		# shell's own "Segmentation fault" notice for a crashed run goes to
		# /dev/null; the exit status tells it)
		kr=$( (timeout -k 5 "$T" env -u LD_PRELOAD "$prog" "$inst" >"$k" 2>"$k.err"; echo $?) 2>/dev/null )
		ur=$( (timeout -k 5 "$T" "$B/udsx" run -- "$prog" "$inst" >"$u" 2>"$u.err"; echo $?) 2>/dev/null )
		if [ $kr -eq 77 ]; then skip=$((skip+1)); echo "SKIP $LABEL $name $inst"; continue; fi
		gap=$(awk -v n="$name" -v i="$inst" '$1==n && $2==i { $1=""; $2=""; sub(/^ +/, ""); print; exit }' test/known-gaps.txt 2>/dev/null)
		if [ $kr -ne $ur ] || ! cmp -s "$k" "$u" || [ -s "$u.err" -a ! -s "$k.err" ]; then
			if [ -n "$gap" ]; then skip=$((skip+1)); echo "GAP  $LABEL $name $inst: $gap"; continue; fi
			fail=$((fail+1)); echo "FAIL $LABEL $name $inst (exit kernel=$kr udsx=$ur)"
			diff -u "$k" "$u" | head -20 | sed 's/^/    /'
			[ -s "$u.err" ] && head -5 "$u.err" | sed 's/^/    stderr: /'
		elif [ -n "$gap" ] && [ "${GAPS_STRICT:-1}" = 1 ]; then
			fail=$((fail+1)); echo "FAIL $LABEL $name $inst: listed as a known gap but now matches; take it off test/known-gaps.txt"
		else
			pass=$((pass+1)); echo "ok   $LABEL $name $inst"
		fi
	done
done
echo "$pass passed, $fail failed, $skip skipped"
