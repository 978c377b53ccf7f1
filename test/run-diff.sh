#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-diff.sh -- run every differential scenario on the plain kernel and under udsx; transcripts must match.
# usage: test/run-diff.sh BUILD_DIR [LABEL]   (prints one line per instance, then "N passed, N failed, N skipped")
#
# Each scenario runs in every connection mode of DIFF_CONNS (default
# "pair path abstract"; see test/diff/conn.h): UDSX_TEST_CONN=MODE is set
# for --list and for both runs of an instance. Instances are labelled
# INSTANCE in pair mode and INSTANCE@MODE otherwise.
#
# test/known-gaps.txt: a line "SCENARIO INSTANCE reason" covers the instance
# in every mode; "SCENARIO INSTANCE@MODE reason" that mode only. A gap that
# matches is a FAIL (the list can only shrink): for a line naming its mode at
# once; for a line covering all modes only when DIFF_CONNS has all three and
# the instance matches in each (a mode that does not accelerate the instance
# may well match, and a run of fewer modes cannot tell the gap is gone).
set -u
B=${1:-build}
LABEL=${2:-diff}
T=${UDSX_TEST_TIMEOUT:-30}
CONNS=${DIFF_CONNS:-pair path abstract}
GAPS=test/known-gaps.txt
for mode in $CONNS; do
	case $mode in pair|path|abstract) ;;
	*) echo "run-diff.sh: DIFF_CONNS: unknown mode '$mode' (pair, path, abstract)" >&2; exit 2 ;;
	esac
done
OUT=$B/test-out/$LABEL
rm -rf "$OUT"; mkdir -p "$OUT"
pass=0; fail=0; skip=0
every=0; [ "$(printf '%s\n' $CONNS | sort -u | tr '\n' ' ')" = "abstract pair path " ] && every=1

# The reason of the gap line for $1 = scenario, $2 = instance, $3 = mode, and
# whether the line names the mode ("explicit") or not ("all"), tab-separated.
gap_of() {
	awk -v n="$1" -v i="$2" -v m="$3" '
		$1 == n && ($2 == i || $2 == i "@" m) {
			how = $2 == i ? "all" : "explicit"; $1 = ""; $2 = ""; sub(/^ +/, "")
			print how "\t" $0; exit
		}' "$GAPS" 2>/dev/null
}

for prog in "$B"/test/diff/*; do
	[ -x "$prog" ] || continue
	name=$(basename "$prog")
	# instances whose all-modes gap line matched, waiting for the other modes
	declare -A gap_ok=() gap_seen=()
	for mode in $CONNS; do
		for inst in $(UDSX_TEST_CONN=$mode "$prog" --list); do
			id=$inst; [ "$mode" = pair ] || id=$inst@$mode
			k=$OUT/$name.$id.kernel; u=$OUT/$name.$id.udsx
			# (in a subshell that does more than exec the command, so that the
			# shell's own "Segmentation fault" notice for a crashed run goes to
			# /dev/null; the exit status tells it)
			kr=$( (UDSX_TEST_CONN=$mode timeout -k 5 "$T" env -u LD_PRELOAD "$prog" "$inst" >"$k" 2>"$k.err"; echo $?) 2>/dev/null )
			ur=$( (UDSX_TEST_CONN=$mode timeout -k 5 "$T" "$B/udsx" run -- "$prog" "$inst" >"$u" 2>"$u.err"; echo $?) 2>/dev/null )
			if [ $kr -eq 77 ]; then skip=$((skip+1)); echo "SKIP $LABEL $name $id"; continue; fi
			g=$(gap_of "$name" "$inst" "$mode"); how=${g%%$'\t'*}; gap=${g#*$'\t'}
			# A sanitizer report on either side is a failure even when the two
			# runs match: both aborting at the same line tests nothing after it.
			if grep -qs "Sanitizer\|runtime error:" "$k.err" "$u.err"; then
				fail=$((fail+1)); echo "FAIL $LABEL $name $id: sanitizer report (exit kernel=$kr udsx=$ur)"
				grep -h -m3 "Sanitizer\|runtime error:\|#[0-4] " "$k.err" "$u.err" | head -8 | sed 's/^/    /'
				continue
			fi
			if [ $kr -ne $ur ] || ! cmp -s "$k" "$u" || [ -s "$u.err" -a ! -s "$k.err" ]; then
				if [ -n "$g" ]; then
					skip=$((skip+1)); echo "GAP  $LABEL $name $id: $gap"; gap_seen[$inst]=1; continue
				fi
				fail=$((fail+1)); echo "FAIL $LABEL $name $id (exit kernel=$kr udsx=$ur)"
				diff -u "$k" "$u" | head -20 | sed 's/^/    /'
				[ -s "$u.err" ] && head -5 "$u.err" | sed 's/^/    stderr: /'
			elif [ -n "$g" ] && [ "${GAPS_STRICT:-1}" = 1 ] && [ "$how" = explicit ]; then
				fail=$((fail+1)); echo "FAIL $LABEL $name $id: listed as a known gap but now matches; take it off $GAPS"
			elif [ -n "$g" ] && [ "${GAPS_STRICT:-1}" = 1 ]; then
				gap_ok[$inst]="${gap_ok[$inst]:-} $id"
			else
				pass=$((pass+1)); echo "ok   $LABEL $name $id"
			fi
		done
	done
	for inst in "${!gap_ok[@]}"; do
		if [ -n "${gap_seen[$inst]:-}" ] || [ $every = 0 ]; then
			for id in ${gap_ok[$inst]}; do pass=$((pass+1)); echo "ok   $LABEL $name $id"; done
		else
			fail=$((fail+1)); echo "FAIL $LABEL $name $inst: listed as a known gap but now matches; take it off $GAPS"
		fi
	done
done
echo "$pass passed, $fail failed, $skip skipped"
