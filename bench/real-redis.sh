#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# real-redis.sh -- a real program's speed: redis-benchmark over a unixsocket, kernel vs udsx (server and benchmark both under udsx).
# usage: bench/real-redis.sh BUILD_DIR
# env:   BENCH_REPS (runs per path, default 5), REDIS_N (requests per test, default 100000),
#        REDIS_CLIENTS (parallel connections, default 50), REDIS_PIPELINE (default 1),
#        BENCH_TIMEOUT (seconds per run, default 120), UDSX (the udsx command, default BUILD_DIR/udsx)
#
# Each repetition starts a fresh redis-server (no persistence, port 0, its own
# socket) on each path, kernel first then udsx, so both see the same machine
# state. Prints per test the median requests/s and p50 latency of each path
# and the ratio udsx/kernel (> 1 means udsx is faster).
set -u
B=${1:-build}
UDSX=${UDSX:-$B/udsx}
REPS=${BENCH_REPS:-5}
N=${REDIS_N:-100000}
C=${REDIS_CLIENTS:-50}
P=${REDIS_PIPELINE:-1}
TMO=${BENCH_TIMEOUT:-120}
TESTS="SET GET INCR LPUSH"
for p in redis-server redis-cli redis-benchmark; do
	command -v $p >/dev/null 2>&1 || { echo "real-redis.sh: $p is not installed (apt-get install redis-server redis-tools)" >&2; exit 2; }
done
[ -x "$UDSX" ] || { echo "real-redis.sh: $UDSX not built (make all first)" >&2; exit 2; }
LOG=$B/bench-out/redis
rm -rf "$LOG"; mkdir -p "$LOG"
LOG=$(cd "$LOG" && pwd)
cleanup() { local p; for p in $(jobs -p); do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

under() { # under MODE CMD...: CMD bounded in time, on the kernel path or under udsx
	if [ "$1" = udsx ]; then shift; timeout -k 2 "$TMO" "$UDSX" run -- "$@"
	else shift; timeout -k 2 "$TMO" env -u LD_PRELOAD "$@"; fi
}

# one MODE I: a fresh server and one benchmark run; CSV to $LOG/MODE.I.csv. For
# udsx, also counts the channels redis-server has mapped a moment into the run
# (a connection is only faster once it has a channel, which timing alone does not show).
one() {
	local m=$1 i=$2 d=$LOG/$1.$2 srv pid k
	mkdir -p "$d"
	under "$m" redis-server --port 0 --unixsocket "$d/redis.sock" --unixsocketperm 700 --save '' --appendonly no \
		--dir "$d" --logfile "$d/server.log" >/dev/null 2>&1 & srv=$!
	for k in $(seq 100); do [ -S "$d/redis.sock" ] && redis-cli -s "$d/redis.sock" ping >/dev/null 2>&1 && break; sleep 0.05; done
	pid=$(redis-cli -s "$d/redis.sock" info server 2>/dev/null | sed -n 's/^process_id:\([0-9]*\).*/\1/p')
	under "$m" redis-benchmark -s "$d/redis.sock" -n "$N" -c "$C" -P "$P" -t set,get,incr,lpush --csv >"$LOG/$m.$i.csv" 2>"$LOG/$m.$i.err" &
	local bench=$!
	sleep 0.3
	[ -n "$pid" ] && grep -c 'memfd:udsx' "/proc/$pid/maps" 2>/dev/null >>"$LOG/$m.maps"
	wait "$bench" || echo "    $m run $i: redis-benchmark failed, see $LOG/$m.$i.err" >&2
	redis-cli -s "$d/redis.sock" shutdown nosave >/dev/null 2>&1
	wait "$srv" 2>/dev/null
	rm -rf "$d"
}

# median MODE TEST COLUMN: the median of a CSV column of TEST over the runs of MODE.
median() {
	cat "$LOG/$1".*.csv 2>/dev/null | tr -d '"' | awk -F, -v t="$2" -v c="$3" '$1 == t { print $c }' | sort -g | awk '
		{ v[NR] = $1 }
		END { if (NR) printf "%.2f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for i in $(seq "$REPS"); do
	echo "[run $i/$REPS]" >&2
	one kernel "$i"
	one udsx "$i"
done

echo "redis-benchmark -s (unixsocket), $N requests, $C clients, pipeline $P; median of $REPS runs, kernel and udsx back to back"
echo "host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs, Linux $(uname -r), $(redis-server --version | cut -d' ' -f1-3)"
echo "udsx channels mapped by redis-server 0.3 s into each udsx run: $(tr '\n' ' ' <"$LOG/udsx.maps" 2>/dev/null)"
echo
printf "%-6s %14s %14s %7s %12s %12s\n" test "kernel req/s" "udsx req/s" ratio "kernel p50" "udsx p50"
for t in $TESTS; do
	k=$(median kernel "$t" 2) u=$(median udsx "$t" 2) kp=$(median kernel "$t" 5) up=$(median udsx "$t" 5)
	awk -v t="$t" -v k="$k" -v u="$u" -v kp="$kp" -v up="$up" 'BEGIN {
		r = (k > 0 && u > 0) ? sprintf("%.2fx", u / k) : "-"
		printf "%-6s %14s %14s %7s %9s ms %9s ms\n", t, k == "" ? "fail" : k, u == "" ? "fail" : u, r, kp, up
	}'
done
