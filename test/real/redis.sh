# SPDX-License-Identifier: MIT
# redis.sh -- run-real.sh's redis checks: a redis-cli session and redis-benchmark against redis-server on a unixsocket.
# Sourced by test/run-real.sh, which provides O, T, run, wait_listen, stop, ok, bad, make_data.

# The inputs, made once: a command script whose every reply is deterministic
# (no KEYS or SMEMBERS of strings: their order follows a per-process hash
# seed), a RESP stream for --pipe, and a 4 MiB binary value.
redis_inputs() {
	awk 'BEGIN {
		for (i = 0; i < 300; i++) {
			v = ""; for (k = 0; k < i % 40; k++) v = v "v" i "." k "-"
			print "SET key:" i " x" v
			if (i % 7 == 0) print "GET key:" i
		}
		for (i = 0; i < 500; i++) print "INCR counter"
		print "INCRBY counter 1000"
		for (i = 0; i < 200; i++) print "RPUSH list item-" i
		print "LRANGE list 0 -1"; print "LRANGE list 10 20"; print "LPOP list 3"; print "LLEN list"
		for (i = 0; i < 50; i++) print "HSET hash f" i " v" i
		print "HGETALL hash"
		for (i = 0; i < 40; i++) print "SADD nums " (i * 7919) % 1000
		print "SMEMBERS nums"
		for (i = 0; i < 30; i++) print "ZADD z " (i * 13) % 17 " m" i
		print "ZRANGE z 0 -1 WITHSCORES"
		print "MGET key:1 key:2 nosuch key:299"
		print "APPEND key:1 -suffix"; print "STRLEN key:1"
		print "EXISTS key:5 nosuch"; print "DEL key:5"; print "TYPE list"; print "GET nosuch"
		print "NOSUCHCOMMAND arg"
		print "DBSIZE"
	}' >"$O/redis.cmds"
	awk 'BEGIN {
		for (i = 0; i < 50000; i++) {
			k = "mass:" i; v = "value-" (i * 31) % 9973
			printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
		}
	}' >"$O/redis.mass"
	make_data "$O/redis.big" 4
	{ cat "$O/redis.big"; echo; } >"$O/redis.big.nl"     # GET prints the value and a newline
}

redis_cli() { run "$RCM" redis-cli -s "$RS" "$@"; }

# redis_session: everything the clients see, into $d/transcript; the benchmark into $d/bench.out.
redis_session() {
	echo "== commands"; redis_cli <"$O/redis.cmds"; echo "rc=$?"
	echo "== mass insert"; redis_cli --pipe <"$O/redis.mass"; echo "rc=$?"
	echo "== 4 MiB value"; redis_cli -x SET big <"$O/redis.big"; echo "rc=$?"
	redis_cli GET big >"$d/big.got"; echo "rc=$?"
	if cmp -s "$d/big.got" "$O/redis.big.nl"; then echo "big value: same"; else echo "big value: differs"; fi
	echo "== dataset"; redis_cli DBSIZE; redis_cli DEBUG DIGEST; echo "rc=$?"
	run "$RCM" redis-benchmark -s "$RS" -q -n 20000 -t set,get,incr,lpush >"$d/bench.out" 2>&1
	echo "== benchmark rc=$?"
	# Without -r the benchmark uses fixed keys: every INCR and LPUSH must have landed exactly once.
	echo "counter after benchmark: $(redis_cli GET counter:__rand_int__)"
	echo "mylist after benchmark: $(redis_cli LLEN mylist)"
	echo "key after benchmark: $(redis_cli GET key:__rand_int__)"
	redis_cli DBSIZE; redis_cli DEBUG DIGEST; echo "rc=$?"
	echo "== shutdown"; redis_cli SHUTDOWN NOSAVE; echo "rc=$?"
}

# redis_check SRV_MODE CLI_MODE: a server on its own socket, the session, and a comparison with the kernel's.
redis_check() {
	local sm=$1 cm=$2 srv d=$O/redis.$1.$2 nums
	local l1="redis-cli session (commands, --pipe 50000 SETs, 4 MiB value, DEBUG DIGEST): server $sm, clients $cm"
	local l2="redis-benchmark -n 20000 -t set,get,incr,lpush: server $sm, clients $cm"
	mkdir -p "$d"
	RS=$d/redis.sock RCM=$cm
	# Our own instance, socket and directory: never the packaged service's.
	# The server lives through the whole session: give it the time of several programs.
	LIMIT=$((4 * T)) run "$sm" redis-server --port 0 --unixsocket "$RS" --unixsocketperm 700 --save '' --appendonly no \
		--dir "$d" --logfile "$d/server.log" --enable-debug-command local >"$d/server.out" 2>&1 & srv=$!
	if ! wait_listen "$RS"; then
		stop "$srv"; bad "$l1" "server never listened: $(tail -n 3 "$d/server.log" 2>/dev/null)"; bad "$l2" "no server"; return
	fi
	redis_session >"$d/transcript" 2>&1
	wait "$srv"; echo "server exit $?" >>"$d/transcript"
	[ "$sm $cm" = "kernel kernel" ] && cp "$d/transcript" "$O/redis.reference"

	local why="" want
	for want in "errors: 0, replies: 50000" "big value: same" "counter after benchmark: 20000" \
		"mylist after benchmark: 20000" "server exit 0"; do
		grep -qxF "$want" "$d/transcript" || why="$why${why:+; }no '$want'"
	done
	grep -q '^rc=[^0]' "$d/transcript" && why="$why${why:+; }a client failed: $(grep -m1 -B1 '^rc=[^0]' "$d/transcript" | head -n 1)"
	if [ -n "$why" ]; then bad "$l1" "$why"
	elif ! cmp -s "$O/redis.reference" "$d/transcript"; then bad "$l1" "differs from the kernel's:" "$(diff "$O/redis.reference" "$d/transcript" | head -n 6)"
	else ok "$l1"; fi

	nums=$(tr '\r' '\n' <"$d/bench.out" | awk '/requests per second/ { printf "%s%s %.0f", n++ ? ", " : "", $1, $2 } END { if (n != 4) exit 1 }')
	if [ $? -ne 0 ] || ! grep -qx "== benchmark rc=0" "$d/transcript"; then bad "$l2" "$(tr '\r' '\n' <"$d/bench.out" | grep -v rps= | tail -n 4)"
	else ok "$l2 ($nums req/s)"; fi
}
