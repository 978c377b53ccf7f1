#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo.sh -- runs the examples on the plain kernel and then under udsx, and shows the two side by side.
# usage: examples/demo.sh BUILD_DIR
# env:   UDSX (the udsx command, default BUILD_DIR/udsx), DEMO_ROUNDS (ping-pong round trips, default 10000)
# Exits non-zero if any step fails, in particular if a sum is wrong.
set -u
B=${1:-build}
UDSX=${UDSX:-$B/udsx}
E=$B/examples
ROUNDS=${DEMO_ROUNDS:-10000}
T=20	# seconds any one program may take

for p in sum-server sum-client pingpong-pair; do
	[ -x "$E/$p" ] || { echo "demo.sh: $E/$p not built (make all first)" >&2; exit 2; }
done
[ -x "$UDSX" ] || { echo "demo.sh: $UDSX not built (make all first)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/udsx-demo.XXXXXX") || exit 2
server=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null
		wait "$server" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
# Turn signals into a normal exit so that the EXIT trap still stops the server.
trap 'exit 130' INT TERM HUP

failed=0
declare -A sum_cell pp_cell pp_us big_cell big_ms switched

ms() { echo $(($(date +%s%N) / 1000000)); }

# run_sum MODE: the unix(7) example. A server in the background on its own
# socket path, one client adding 3 5 7, a second one sending DOWN; the server
# must then exit by itself. Fills sum_cell[MODE].
run_sum() {
	local mode=$1 sock=$TMP/sum-$1.socket t0 t1 r1 r2 r3 rc _
	local -a W
	if [ "$mode" = kernel ]; then W=(env -u LD_PRELOAD); else W=("$UDSX" run --); fi

	t0=$(ms)
	echo "\$ sum-server $sock &"
	"${W[@]}" "$E/sum-server" "$sock" &
	server=$!
	for _ in $(seq 500); do
		[ -S "$sock" ] && break
		kill -0 "$server" 2>/dev/null || break
		sleep 0.01
	done
	echo "\$ sum-client -p $sock 3 5 7"
	r1=$(timeout -k 2 $T "${W[@]}" "$E/sum-client" -p "$sock" 3 5 7)
	echo "$r1"
	# a longer conversation: 20000 numbers, one message each; under udsx
	# the connection is handed to shared memory after its first messages
	# (UDSX_DEBUG shows the switch; it is counted, not printed)
	echo "\$ sum-client -p $sock \$(seq 1 20000)"
	t1=$(date +%s%N)
	r3=$(UDSX_DEBUG=1 timeout -k 2 $T "${W[@]}" "$E/sum-client" -p "$sock" $(seq 1 20000) 2>"$TMP/client.err")
	big_ms[$mode]=$((($(date +%s%N) - t1) / 1000000))
	echo "$r3"
	switched[$mode]=$(grep -c 'now in the ring' "$TMP/client.err")
	echo "\$ sum-client -p $sock DOWN"
	r2=$(timeout -k 2 $T "${W[@]}" "$E/sum-client" -p "$sock" DOWN)
	echo "$r2"
	for _ in $(seq 1000); do
		kill -0 "$server" 2>/dev/null || break
		sleep 0.01
	done
	if kill -0 "$server" 2>/dev/null; then
		echo "demo.sh: the $mode server is still running after DOWN, killing it" >&2
		kill "$server"
	fi
	wait "$server"
	rc=$?
	server=""
	echo "server exited with status $rc"

	if [ "$r1" = "Result = 15" ] && [ "$r2" = "Result = 0" ] && [ "$r3" = "Result = 200010000" ] &&
	   [ $rc -eq 0 ]; then
		sum_cell[$mode]="$r1, $(($(ms) - t0)) ms"
		big_cell[$mode]="$r3, ${big_ms[$mode]} ms"
	else
		failed=1
		sum_cell[$mode]="WRONG: ${r1:-no result}"
		echo "demo.sh: $mode: expected \"Result = 15\", \"Result = 0\" and status 0" >&2
	fi
}

# run_pingpong MODE: the socketpair ping-pong example, three times since the
# unpinned processes may or may not share a CPU; the median goes into
# pp_us[MODE] and pp_cell[MODE].
run_pingpong() {
	local mode=$1 out us _
	local -a W all=()
	if [ "$mode" = kernel ]; then W=(env -u LD_PRELOAD); else W=("$UDSX" run --); fi

	for _ in 1 2 3; do
		echo "\$ pingpong-pair $ROUNDS"
		out=$(timeout -k 2 $T "${W[@]}" "$E/pingpong-pair" "$ROUNDS")
		echo "$out"
		us=$(echo "$out" | sed -n 's/.*, \([0-9.]*\) us per round trip$/\1/p')
		[ -n "$us" ] || { all=(); break; }
		all+=("$us")
	done
	if [ ${#all[@]} -eq 3 ]; then
		pp_us[$mode]=$(printf '%s\n' "${all[@]}" | sort -g | sed -n 2p)
		pp_cell[$mode]="${pp_us[$mode]} us per round trip"
	else
		failed=1
		pp_us[$mode]=""
		pp_cell[$mode]="FAILED"
	fi
}

for mode in kernel udsx; do
	if [ $mode = kernel ]; then
		echo "== on the plain kernel"
	else
		echo "== under udsx ($UDSX run -- ...)"
	fi
	run_sum $mode
	run_pingpong $mode
	echo
done

echo "== side by side"
printf "%-44s %-26s %s\n" "what ran" kernel udsx
printf "%-44s %-26s %s\n" "sum-server/client: 3 5 7, then DOWN" "${sum_cell[kernel]}" "${sum_cell[udsx]}"
printf "%-44s %-26s %s\n" "sum-client 1..20000 (one message each)" "${big_cell[kernel]:-FAILED}" "${big_cell[udsx]:-FAILED}"
printf "%-44s %-26s %s\n" "  directions switched to shared memory" "-" "${switched[udsx]:-0} of 2 (client's view)"
printf "%-44s %-26s %s\n" "pingpong-pair: $ROUNDS round trips, median" "${pp_cell[kernel]}" "${pp_cell[udsx]}"
if [ -n "${pp_us[kernel]}" ] && [ -n "${pp_us[udsx]}" ]; then
	awk -v k="${pp_us[kernel]}" -v u="${pp_us[udsx]}" 'BEGIN {
		if (u > 0 && k >= u)
			printf "ping-pong under udsx: %.1fx faster than the kernel\n", k / u
		else if (u > 0)
			printf "ping-pong under udsx: %.1fx slower than the kernel\n", u / k
	}'
fi
exit $failed
