#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh -- kernel vs udsx benchmarks side by side: every case on both paths, back to back, median of several runs.
# usage: bench/run.sh BUILD_DIR
# env:   BENCH_REPS (runs per case and path, default 5), BENCH_CONN_REPS (runs of the connect/accept
#        cases, default 3 or BENCH_REPS if smaller), BENCH_IDLE_REPS (runs of the idle-connection
#        cases, default 1), BENCH_TIMEOUT (seconds per run, default 10), UDSX (the udsx command,
#        default BUILD_DIR/udsx)
set -u
B=${1:-build}
UDSX=${UDSX:-$B/udsx}
REPS=${BENCH_REPS:-5}
# The connect/accept cases are extra rows on top of the socketpair table;
# fewer runs of each keep the whole of make bench within ~1.5x its old time.
# One run of each idle-connection case (10000 connections, under a second on the
# kernel) is enough: its per-connection figure averages over them all.
CREPS=${BENCH_CONN_REPS:-$((REPS < 3 ? REPS : 3))}
IREPS=${BENCH_IDLE_REPS:-1}
TMO=${BENCH_TIMEOUT:-10}
OUT=$B/bench-results.txt
LOG=$B/bench-out
PP=$B/bench/pingpong
TP=$B/bench/throughput
CC=$B/bench/conncost
IC=$B/bench/idleconns
EP=$B/bench/epollpp
CP=$B/bench/copyceil
# Each run is bounded in time by the program itself (-T), so a slow path
# still yields a number; the timeout only catches hangs. Pingpong does up to
# 20000 round trips but stops after 0.4 s.
PP_ARGS=(-n 20000 -w 500 -T 0.4)
TP_ARGS=(-T 1.5)
# The connect/accept repeats of those cases are cut shorter: the kernel side
# of a ping-pong always runs to the limit, and 6000 round trips still give a
# p99; a throughput run on the kernel normally ends in 0.35 s anyway.
PP_CONN_ARGS=(-n 20000 -w 500 -T 0.25)
TP_CONN_ARGS=(-T 0.5)

for p in "$PP" "$TP" "$CC" "$IC" "$EP" "$CP"; do
	[ -x "$p" ] || { echo "run.sh: $p not built (make all first)" >&2; exit 2; }
done
have_udsx=1
if [ ! -x "$UDSX" ]; then
	have_udsx=0
	echo "run.sh: warning: $UDSX not found, measuring the kernel only" >&2
fi
rm -rf "$LOG"; mkdir -p "$LOG"
START=$SECONDS
failed=0

# one MODE LOG CMD...: runs CMD once on the kernel path (kernel), under udsx
# (udsx) or under udsx without spinning (udsx0); the result line goes to LOG.out.
one() {
	local mode=$1 log=$2
	shift 2
	case $mode in
	kernel) timeout -k 2 "$TMO" env -u LD_PRELOAD "$@" ;;
	udsx) timeout -k 2 "$TMO" "$UDSX" run -- "$@" ;;
	udsx0) timeout -k 2 "$TMO" "$UDSX" run --spin-us 0 -- "$@" ;;
	esac >"$log.out" 2>"$log.err"
}

# run_case NAME UMODE CMD...: REPS times, CMD on the kernel then under udsx
# (UMODE), so that both see the same machine state; result lines are collected
# in $LOG/NAME.kernel and $LOG/NAME.udsx. After a hang that path is skipped
# for the remaining repetitions to keep the total time bounded. NREPS, if
# set, replaces REPS for this case. CEIL=1 also measures the machine's copy
# ceiling (copyceil, below) after each repetition, into $LOG/NAME.ceil: the
# VM's cross-CPU copy rate moved six-fold within minutes, so a large-message
# ratio only means something beside the ceiling of the same minute.
run_case() {
	local name=$1 umode=$2 i m side rc hung=""
	shift 2
	: >"$LOG/$name.kernel"
	: >"$LOG/$name.udsx"
	echo "[$((SECONDS - START))s] $name" >&2
	for i in $(seq 1 "${NREPS:-$REPS}"); do
		for m in kernel $umode; do
			side=$m; [ "$m" = kernel ] || side=udsx
			[ "$side" = udsx ] && [ $have_udsx = 0 ] && continue
			case " $hung " in *" $side "*) continue ;; esac
			one "$m" "$LOG/$name.$side.$i" "$@"
			rc=$?
			if [ $rc -eq 0 ] && grep -q "=" "$LOG/$name.$side.$i.out"; then
				cat "$LOG/$name.$side.$i.out" >>"$LOG/$name.$side"
				continue
			fi
			failed=$((failed + 1))
			if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
				hung="$hung $side"
				echo "    $side run $i: no result after ${TMO}s, skipping the rest" >&2
			else
				echo "    $side run $i: failed (exit $rc), see $LOG/$name.$side.$i.err" >&2
			fi
			sed 's/^/      /' "$LOG/$name.$side.$i.err" | head -3 >&2
		done
		if [ -n "${CEIL:-}" ] && one kernel "$LOG/$name.ceil.$i" "$CP" -s 65536 -T 0.3; then
			cat "$LOG/$name.ceil.$i.out" >>"$LOG/$name.ceil"
		fi
	done
}

# median FILE KEY: the median of KEY=value over the result lines in FILE (empty if none).
median() {
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0)
				exit
			if (NR % 2)
				print v[(NR + 1) / 2]
			else
				printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# row LABEL NAME KEY UNIT: one table line. Latency (us) and memory (B) are
# better lower, so their ratio is kernel/udsx; for rates it is udsx/kernel.
# Either way > 1 = udsx better. UNIT "maps" (mappings per connection) has
# no ratio: the kernel's is 0.
row() {
	awk -v label="$1" -v unit="$4" -v have="$have_udsx" \
	    -v k="$(median "$LOG/$2.kernel" "$3")" -v u="$(median "$LOG/$2.udsx" "$3")" '
	function fmt(x, side) {
		if (x == "")
			return side == "udsx" && !have ? "n/a" : "fail"
		if (unit == "us")
			return sprintf("%.2f", x)
		if (unit == "msg/s")
			return x >= 1e6 ? sprintf("%.2fM", x / 1e6) : sprintf("%.1fk", x / 1e3)
		if (unit == "B")	# (below zero: the machine freed more than the connections took)
			return x < 0 ? "~0" : sprintf("%.0f", x)
		if (unit == "maps")
			return sprintf("%.2f", x)
		return x < 1 ? sprintf("%.4f", x) : sprintf("%.3f", x)
	}
	BEGIN {
		r = "-"
		if (k != "" && u != "" && k > 0 && u > 0 && unit != "maps")
			r = sprintf("%.2fx", unit == "us" || unit == "B" ? k / u : u / k)
		printf "%-38s %-6s %11s %11s %8s\n", label, unit, fmt(k, "kernel"), fmt(u, "udsx"), r
	}'
}

for t in stream seqpacket dgram; do
	run_case "pingpong-$t" udsx "$PP" -t $t -s 64 "${PP_ARGS[@]}"
done
run_case pingpong-spin0 udsx0 "$PP" -t stream -s 64 "${PP_ARGS[@]}"
# both ends on one CPU (taskset, a one-CPU container): spinning cannot help
run_case pingpong-onecpu udsx "$PP" -t stream -s 64 -c same "${PP_ARGS[@]}"
# an epoll event loop with non-blocking sockets drained to EAGAIN (redis's
# pattern), both processes on one CPU and on two
for c in same apart; do
	run_case "epollpp-$c" udsx "$EP" -t stream -s 64 -c $c "${PP_ARGS[@]}"
done
# the same loop watching edge-triggered (nginx, tokio): the socket goes to the
# kernel path, and only the wait is udsx's
run_case epollpp-et udsx "$EP" -t stream -s 64 -c apart -e "${PP_ARGS[@]}"
SIZES="1 64 1024 4096 65536 262144 1048576"
# (the large ones beside what the machine allows at the moment: udsx's two
# copies for a 64 KiB write between the two CPUs, without sockets)
for s in $SIZES; do
	c=; [ "$s" -ge 65536 ] && c=1
	CEIL=$c run_case "throughput-stream-$s" udsx "$TP" -t stream -s "$s" "${TP_ARGS[@]}"
done
# a reader that takes one message per read, as a message parser would
run_case throughput-stream-64-r64 udsx "$TP" -t stream -s 64 -r 64 "${TP_ARGS[@]}"
run_case throughput-seqpacket-64 udsx "$TP" -t seqpacket -s 64 "${TP_ARGS[@]}"
run_case throughput-stream-65536-onecpu udsx "$TP" -t stream -s 65536 -c same "${TP_ARGS[@]}"

# Connections made by connect()/accept(): the same transfers over a pathname
# and an abstract address, then what a connection costs to make and to hold.
for a in path abstract; do
	NREPS=$CREPS run_case "pingpong-$a" udsx "$PP" -a $a -t stream -s 64 "${PP_CONN_ARGS[@]}"
done
CONN_TP="path-64 path-65536 abstract-64"
for c in $CONN_TP; do
	n=; [ "${c##*-}" -ge 65536 ] && n=1
	CEIL=$n NREPS=$CREPS run_case "throughput-$c" udsx "$TP" -a "${c%-*}" -t stream -s "${c##*-}" "${TP_CONN_ARGS[@]}"
done
CC_N=1000 CC_B=5
NREPS=$CREPS run_case conncost udsx "$CC" -n $CC_N -b $CC_B
NREPS=$CREPS run_case conncost-data udsx "$CC" -n $CC_N -b $CC_B -d
IDLE_N=10000
# A slow negotiation makes 10000 connections take seconds; allow for it,
# still catching a hang.
ITMO=$((TMO > 30 ? TMO : 30))
NREPS=$IREPS TMO=$ITMO run_case idleconns udsx "$IC" -n $IDLE_N
NREPS=$IREPS TMO=$ITMO run_case idleconns-data udsx "$IC" -n $IDLE_N -d
# Connections that each carried 4 MiB both ways, then went idle (an event
# loop's last read said EAGAIN): what their rings still hold (ring.c, trim).
MOVED_N=200
NREPS=$IREPS TMO=$ITMO run_case idleconns-moved udsx "$IC" -n $MOVED_N -m 4194304 -p 1

# accel_runs NAME: "k/n", the udsx runs of NAME whose connection was
# accelerated out of all its udsx runs (a connect()/accept() connection is
# only faster once negotiated, which timing alone does not show).
accel_runs() {
	awk '/ accel=[1-9]/ { k++ } END { printf "%d/%d", k, NR }' "$LOG/$1.udsx"
}

human() { # bytes -> "64 B", "4 KiB", "1 MiB"
	if [ "$1" -ge 1048576 ]; then echo "$(($1 / 1048576)) MiB"
	elif [ "$1" -ge 1024 ]; then echo "$(($1 / 1024)) KiB"
	else echo "$1 B"; fi
}

{
	echo "udsx benchmarks: kernel path vs udsx, median of $REPS runs ($CREPS for connect/accept, $IREPS for idle connections), the two paths run back to back"
	echo "host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs, Linux $(uname -r), $(date '+%Y-%m-%d %H:%M')"
	[ "$(nproc)" -lt 2 ] && echo "note: one CPU only, so the two processes are not pinned apart"
	[ $have_udsx = 0 ] && echo "note: $UDSX not found, udsx column not measured"
	echo "ratio: latency (us) and memory (B) kernel/udsx, throughput udsx/kernel; > 1 means udsx is better. GB = 1e9 bytes."
	echo
	printf "%-38s %-6s %11s %11s %8s\n" case metric kernel udsx ratio
	for t in stream seqpacket dgram; do
		row "pingpong $t 64 B, p50" "pingpong-$t" p50_us us
		row "pingpong $t 64 B, p99" "pingpong-$t" p99_us us
	done
	row "pingpong stream 64 B --spin-us 0, p50" pingpong-spin0 p50_us us
	row "pingpong stream 64 B --spin-us 0, p99" pingpong-spin0 p99_us us
	row "pingpong stream 64 B one CPU, p50" pingpong-onecpu p50_us us
	row "pingpong stream 64 B one CPU, p99" pingpong-onecpu p99_us us
	row "epoll ping-pong 64 B one CPU, p50" epollpp-same p50_us us
	row "epoll ping-pong 64 B two CPUs, p50" epollpp-apart p50_us us
	row "same, EPOLLET (kernel path), p50" epollpp-et p50_us us
	for s in $SIZES; do
		row "throughput stream $(human "$s")" "throughput-stream-$s" msg_per_s msg/s
		row "throughput stream $(human "$s")" "throughput-stream-$s" gb_per_s GB/s
	done
	row "throughput stream 64 B, 64 B reads" throughput-stream-64-r64 msg_per_s msg/s
	row "throughput seqpacket 64 B" throughput-seqpacket-64 msg_per_s msg/s
	row "throughput seqpacket 64 B" throughput-seqpacket-64 gb_per_s GB/s
	row "throughput stream 64 KiB one CPU" throughput-stream-65536-onecpu gb_per_s GB/s
	for a in path abstract; do
		row "pingpong stream 64 B $a, p50" "pingpong-$a" p50_us us
		row "pingpong stream 64 B $a, p99" "pingpong-$a" p99_us us
	done
	for c in $CONN_TP; do
		row "throughput stream $(human "${c##*-}") ${c%-*}" "throughput-$c" msg_per_s msg/s
		row "throughput stream $(human "${c##*-}") ${c%-*}" "throughput-$c" gb_per_s GB/s
	done
	row "connect+accept+close, per conn" conncost us_per_conn us
	row "same + 5 B each way, per conn" conncost-data us_per_conn us
	row "$IDLE_N idle conns, bytes per conn" idleconns bytes_per_conn B
	row "$IDLE_N idle conns, maps per conn" idleconns maps_per_conn maps
	row "$IDLE_N conns used once, bytes per conn" idleconns-data bytes_per_conn B
	row "$IDLE_N conns used once, maps per conn" idleconns-data maps_per_conn maps
	row "$MOVED_N conns idle after 4 MiB, B per conn" idleconns-moved bytes_per_conn B
	echo
	if [ $have_udsx = 1 ]; then
		printf "accelerated under udsx, runs: pingpong path %s, abstract %s; throughput" \
			"$(accel_runs pingpong-path)" "$(accel_runs pingpong-abstract)"
		for c in $CONN_TP; do printf " %s %s" "$c" "$(accel_runs "throughput-$c")"; done
		echo
		echo "accelerated under udsx, connections (median): conncost $(median "$LOG/conncost.udsx" accel)/$((CC_N * CC_B))," \
			"with data $(median "$LOG/conncost-data.udsx" accel)/$((CC_N * CC_B)); idle $(median "$LOG/idleconns.udsx" accel)/$IDLE_N," \
			"used once $(median "$LOG/idleconns-data.udsx" accel)/$IDLE_N"
	fi
	echo "large messages beside the machine's cross-CPU copy ceiling, measured after each repetition"
	echo "(bench/copyceil: two copies of 64 KiB through a 1 MiB ring, no sockets; medians):"
	for f in $(ls -tr "$LOG"/throughput-*.ceil 2>/dev/null); do	# (in the order measured)
		[ -s "$f" ] || continue
		n=${f##*/throughput-}; n=${n%.ceil}
		awk -v n="$n" -v c="$(median "$LOG/throughput-$n.ceil" gb_per_s)" \
		    -v u="$(median "$LOG/throughput-$n.udsx" gb_per_s)" -v k="$(median "$LOG/throughput-$n.kernel" gb_per_s)" 'BEGIN {
			if (c == "" || c <= 0 || u == "" || k == "" || k <= 0)
				exit
			printf "  %-16s ceiling %5.1f GB/s: udsx %5.1f (%3.0f%% of it), kernel %4.1f; ceiling/kernel %4.1fx, udsx/kernel %4.1fx\n",
			       n, c, u, 100 * u / c, k, c / k, u / k
		}'
	done
	echo "  (udsx's two copies cannot beat the ceiling: 3x the kernel is within reach only where ceiling/kernel >= 3)"
	echo "connect/accept targets: connect+accept+close at most 1.5x the kernel's time (ratio >= 0.67x),"
	echo "the first row, which never carries data, included; idle memory at most 2x the kernel's"
	echo "(ratio >= 0.50x); all $IDLE_N connections work (else the row says fail). \"used once\" = 8 B each way."
	echo "bytes = slab + shared + page-table + anonymous memory per connection (bench/idleconns.c); needs a quiet machine."
	if grep -qs " procs=2 " "$LOG/idleconns.kernel"; then
		echo "note: RLIMIT_NOFILE cannot hold both ends of $IDLE_N connections in one process here,"
		echo "so idleconns keeps the accepted ends in one process and the client ends in a second one."
	fi
	echo
	echo "total time $((SECONDS - START)) s; $failed failed runs; logs in $LOG"
} | tee "$OUT"
[ $failed -eq 0 ]
