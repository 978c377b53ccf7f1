# SPDX-License-Identifier: MIT
# postgres.sh -- run-real.sh's PostgreSQL checks: a psql script and pgbench against a postgres on a unix socket only.
# Sourced by test/run-real.sh, which provides O, T, run, wait_listen, stop, ok, bad, skp, have, make_data.
#
# usage (from run-real.sh):
#   if pg_inputs; then for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do pg_check $m; done; fi
# pg_inputs finds the server binaries (Debian's /usr/lib/postgresql/N/bin), makes one data directory with
# initdb and the psql script; it says SKIP itself and fails when PostgreSQL is not installed. pg_check
# "kernel kernel" makes the reference transcript the others are compared with, so it runs first.
#
# PostgreSQL refuses to run as root: as root, the server and its clients run as the user postgres
# (which must be able to reach $O); as anyone else, as that user. The server listens on a socket in its
# check's directory only (listen_addresses is empty), so it never meets another.

PG_PORT=54329


# pg_inputs: the binaries, a fresh cluster to copy, and the psql script whose output is deterministic.
pg_inputs() {
	PG_BIN=
	local b
	for b in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) "$(dirname "$(command -v pg_config 2>/dev/null || echo /x/x)")"; do
		[ -x "$b/postgres" ] && [ -x "$b/initdb" ] && [ -x "$b/psql" ] && [ -x "$b/pgbench" ] && { PG_BIN=$b; break; }
	done
	if [ -z "$PG_BIN" ]; then skp "postgres" "postgres, initdb, psql or pgbench is not installed"; return 1; fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then skp "postgres" "running as root and there is no user postgres"; return 1; fi
	# PG_AS: the prefix that runs a command as the user that may run PostgreSQL, with a HOME it can read
	# (setpriv execs, so signals reach the server itself).
	local home=$O/pg.home
	rm -rf "$O/pg.data0" "$home"; mkdir -p "$home" "$O/pg.data0"
	PG_AS=(env HOME="$home")
	[ "$(id -u)" = 0 ] && { chown postgres: "$home" "$O/pg.data0"; PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups "${PG_AS[@]}"); }
	chmod 755 "$O"
	if ! "${PG_AS[@]}" "$PG_BIN/initdb" -D "$O/pg.data0" --auth=trust -U postgres --no-sync -E UTF8 --locale=C >"$O/pg.initdb.log" 2>&1; then
		bad "postgres initdb" "$(tail -n 3 "$O/pg.initdb.log")"; return 1
	fi
	awk 'function rep(s, n,   r) { r = ""; while (n > 0) { if (n % 2) r = r s; s = s s; n = int(n / 2) } return r }
	BEGIN {
		print "\\set ON_ERROR_STOP 0"
		print "\\pset pager off"
		print "SET client_min_messages = notice;"
		print "SET extra_float_digits = 0;"
		print "CREATE TABLE t1 (id int PRIMARY KEY, name text, val numeric, d date);"
		print "INSERT INTO t1 SELECT i, '\''name-'\'' || i, i * 1.5, date '\''2020-01-01'\'' + i FROM generate_series(1, 2000) i;"
		print "SELECT count(*), sum(val), min(name), max(d) FROM t1;"
		print "SELECT * FROM t1 WHERE id % 97 = 0 ORDER BY id DESC;"
		# COPY FROM STDIN: about 4 MiB in the script itself, with escapes
		print "CREATE TABLE big (id int, a text, b text, c bigint);"
		print "COPY big FROM STDIN;"
		for (i = 1; i <= 100000; i++) {
			b = rep(substr("abcdefghijklmnopqrstuvwxyz", i % 26 + 1, 1), i % 37)
			if (i % 1000 == 0) b = b "\\ttab\\\\back\\nnl"
			printf "%d\talpha-%d\t%s\t%d\n", i, (i * 7919) % 100003, (i % 500 == 0 ? "\\N" : b), (i * 104729) % 1000003
		}
		print "\\."
		print "SELECT count(*), count(b), sum(c), md5(string_agg(id || a || coalesce(b, '\''-'\'') || c, '\'','\'' ORDER BY id)) FROM big;"
		print "SELECT * FROM big ORDER BY c DESC, id LIMIT 40;"
		print "COPY (SELECT * FROM big WHERE id % 3 = 0 ORDER BY id DESC) TO STDOUT;"
		print "SELECT id, c FROM big WHERE id <= 20000 ORDER BY c, id;"
		# large values: made by the server, and a 1 MiB literal sent by the client
		print "CREATE TABLE blobs (id int, t text, b bytea);"
		print "INSERT INTO blobs SELECT i, repeat(md5(i::text), 32768), decode(repeat(md5((i * 7)::text), 16384), '\''hex'\'') FROM generate_series(1, 4) i;"
		print "SELECT id, length(t), md5(t), length(b), md5(b) FROM blobs ORDER BY id;"
		print "SELECT t FROM blobs WHERE id = 2;"
		print "SELECT b FROM blobs WHERE id = 3;"
		v = rep("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", 16384)
		print "INSERT INTO blobs VALUES (10, '\''" v "'\'', NULL);"
		print "SELECT length(t), md5(t) FROM blobs WHERE id = 10;"
		print "SELECT t = '\''" v "'\'' AS same FROM blobs WHERE id = 10;"
		# errors, in and out of transactions
		print "SELECT 1/0;"
		print "SELECT * FROM nosuchtable;"
		print "INSERT INTO t1 VALUES (1, '\''dup'\'', 0, NULL);"
		print "SELECT '\''abc'\''::int;"
		print "SELEC 1;"
		print "COPY t1 FROM STDIN;"
		print "3001\tok\t1\t2021-01-01"
		print "3002\tbad\tnotanumber\t2021-01-01"
		print "3003\tok\t1\t2021-01-01"
		print "\\."
		print "SELECT count(*) FROM t1 WHERE id > 3000;"
		# notices and warnings, some long
		print "DO $$ BEGIN FOR i IN 1..30 LOOP RAISE NOTICE '\''notice % %'\'', i, repeat('\''n'\'', i * 300); END LOOP; END $$;"
		print "DROP TABLE IF EXISTS nosuch;"
		print "DO $$ BEGIN RAISE WARNING '\''a warning'\''; RAISE NOTICE '\''%'\'', repeat('\''w'\'', 100000); END $$;"
		print "CREATE FUNCTION noisy(n int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE '\''row %'\'', n; RETURN n * 2; END $$;"
		print "SELECT noisy(i) FROM generate_series(1, 50) i ORDER BY 1;"
		# transactions, savepoints, an aborted transaction
		print "BEGIN;"
		print "UPDATE t1 SET val = val + 1 WHERE id <= 100;"
		print "SAVEPOINT s1;"
		print "DELETE FROM t1;"
		print "SELECT count(*) FROM t1;"
		print "ROLLBACK TO s1;"
		print "SELECT count(*), sum(val) FROM t1;"
		print "COMMIT;"
		print "BEGIN;"
		print "INSERT INTO t1 VALUES (5000, '\''x'\'', 1, NULL);"
		print "SELECT 1/0;"
		print "SELECT 1;"
		print "ROLLBACK;"
		print "SELECT count(*) FROM t1 WHERE id = 5000;"
		# prepared statements, a cursor, a new connection in the middle
		print "PREPARE p(int) AS SELECT id, name FROM t1 WHERE id = $1;"
		print "EXECUTE p(42);"
		print "BEGIN; DECLARE cur CURSOR FOR SELECT id, a FROM big ORDER BY id; FETCH 5 FROM cur; FETCH 3000 FROM cur; CLOSE cur; COMMIT;"
		print "\\connect"
		print "EXECUTE p(42);"
		print "SELECT i, repeat('\''x'\'', i % 200) FROM generate_series(1, 20000) i ORDER BY i;"
		print "SELECT pg_sleep(0.2);"
		print "LISTEN ch;"
		print "NOTIFY ch, '\''payload'\'';"
		print "SELECT setseed(0.25);"
		print "SELECT round(random()::numeric, 6);"
		print "\\connect"
		print "SELECT count(*) FROM big;"
		print "SELECT md5(string_agg(t1::text, '\'''\'' ORDER BY id)) FROM t1;"
		print "SELECT string_agg(x::text, '\'' '\'') FROM generate_series(1, 300000) x \\g /dev/null"
		print "SELECT length(string_agg(x::text, '\'' '\'')) FROM generate_series(1, 300000) x;"
	}' >"$O/pg.sql"
}

# pg_server SRV_MODE DIR: a postgres on DIR/.s.PGSQL.$PG_PORT in the background ($srv); 0 once it listens.
pg_server() {
	LIMIT=$((T > 60 ? T : 60)) run "$1" "${PG_AS[@]}" "$PG_BIN/postgres" -D "$2/data" -k "$2" -p "$PG_PORT" -c listen_addresses= \
		-c fsync=off -c max_connections=20 -c shared_buffers=32MB -c log_line_prefix='%m [%p] ' -c log_min_messages=warning \
		>"$2/server.log" 2>&1 &
	srv=$!
	wait_listen "$2/.s.PGSQL.$PG_PORT"
}

# pg_channels DIR: "N of M" backends of the server in DIR that map a udsx channel now.
pg_channels() {
	local pm p n=0 m=0
	pm=$(head -n 1 "$1/data/postmaster.pid" 2>/dev/null)
	for p in $(children "$pm"); do
		grep -q '^postgres: postgres ' "/proc/$p/cmdline" 2>/dev/null || continue
		m=$((m + 1))
		grep -q 'memfd:udsx (deleted)' "/proc/$p/maps" 2>/dev/null && n=$((n + 1))
	done
	echo "$n of $m"
}

# pg_check SRV_MODE CLI_MODE: a server on its own copy of the cluster, the psql script, pgbench.
pg_check() {
	local sm=$1 cm=$2 srv d=$O/pg.$1.$2 src rc why="" tps
	local l1="psql script (COPY 4 MiB in, 1 MiB values, errors, notices, transactions, reconnects): server $sm, client $cm"
	local l2="pgbench -S -c 4 -j 2 -T 5 and -c 4 -t 150 (balances checked): server $sm, clients $cm"
	rm -rf "$d"; mkdir -p "$d"
	cp -a "$O/pg.data0" "$d/data"
	[ "$(id -u)" = 0 ] && chown postgres: "$d"
	if ! pg_server "$sm" "$d"; then
		stop "$srv"; bad "$l1" "server never listened: $(tail -n 3 "$d/server.log")"; bad "$l2" "no server"; return
	fi
	local cli=(run "$cm" "${PG_AS[@]}")
	local conn=(-h "$d" -p "$PG_PORT" -U postgres)
	# psql: everything it prints; the notification names the server's pid, which is the only varying field.
	"${cli[@]}" "$PG_BIN/psql" -X "${conn[@]}" -d postgres -f "$O/pg.sql" >"$d/psql.raw" 2>&1; rc=$?
	{ sed 's/received from server process with PID [0-9]*/received from server process with PID N/' "$d/psql.raw"; echo "psql rc=$rc"; } >"$d/psql.out"
	rm -f "$d/psql.raw"
	[ "$sm $cm" = "kernel kernel" ] && cp "$d/psql.out" "$O/pg.reference"

	# pgbench: a read-only run for speed, then a fixed number of TPC-B transactions whose balances must agree.
	{
		"${cli[@]}" "$PG_BIN/pgbench" "${conn[@]}" -i -s 1 -q postgres; echo "init rc=$?"
		"${cli[@]}" "$PG_BIN/pgbench" "${conn[@]}" -n -S -c 4 -j 2 -T 5 postgres >"$d/select.out" 2>&1 & local b=$!
		# Meanwhile: how many backends map a channel (memfd "udsx"; "udsx-life" is another thing)?
		sleep 2; pg_channels "$d" >"$d/channels"
		wait "$b"; echo "select-only rc=$?"; cat "$d/select.out"
		"${cli[@]}" "$PG_BIN/pgbench" "${conn[@]}" -n -c 4 -j 2 -t 150 postgres; echo "tpcb rc=$?"
		"${cli[@]}" "$PG_BIN/psql" -X "${conn[@]}" -d postgres -At -c "SELECT 'history ' || count(*) FROM pgbench_history" \
			-c "SELECT 'balances ' || ((SELECT sum(abalance) FROM pgbench_accounts) = (SELECT sum(bbalance) FROM pgbench_branches) AND (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT sum(tbalance) FROM pgbench_tellers) AND (SELECT sum(delta) FROM pgbench_history) = (SELECT sum(abalance) FROM pgbench_accounts))"
		echo "check rc=$?"
	} >"$d/bench.out" 2>&1

	# A smart shutdown by pg_ctl, which signals the postmaster itself ($srv is the shell running run(), and
	# timeout would pass a signal to the whole process group). Smart: it waits for every backend to end
	# by itself (a fast one would log FATAL for a backend still exiting after its client left), so a
	# backend that never ends fails the check; then a fast one, and timeout's SIGKILL 2 s later.
	run kernel "${PG_AS[@]}" "$PG_BIN/pg_ctl" stop -D "$d/data" -m smart -w -t 10 >"$d/pg_ctl.out" 2>&1 || {
		echo "pg_ctl stop failed: $(tail -n 1 "$d/pg_ctl.out"); backends: $(pg_channels "$d")" >>"$d/bench.out"
		kill -INT $(cat "/proc/$srv/task/$srv/children" 2>/dev/null) 2>/dev/null   # timeout passes it on: a fast shutdown
	}
	wait "$srv"; src=$?
	sleep 0.2
	local left; left=$(procs_matching "-D $d/data" | tr '\n' ' ')

	# The psql transcript.
	grep -qx "psql rc=0" "$d/psql.out" || why="psql failed: $(tail -n 2 "$d/psql.out" | head -n 1)"
	if [ -n "$why" ]; then bad "$l1" "$why"
	elif [ ! -e "$O/pg.reference" ]; then bad "$l1" "no reference: run pg_check kernel kernel first"
	elif ! cmp -s "$O/pg.reference" "$d/psql.out"; then bad "$l1" "differs from the kernel's:" "$(diff "$O/pg.reference" "$d/psql.out" | cut -c1-200 | head -n 6)"
	else ok "$l1 ($(wc -c <"$d/psql.out") bytes)"; fi

	# pgbench, the server's exit and log, and what is left behind.
	why=""
	local want
	for want in "init rc=0" "select-only rc=0" "tpcb rc=0" "check rc=0" "history 600" "balances true"; do
		grep -qxF "$want" "$d/bench.out" || why="$why${why:+; }no '$want'"
	done
	grep -q "number of failed transactions: [^0]" "$d/bench.out" && why="$why${why:+; }$(grep -m1 'number of failed' "$d/bench.out")"
	grep -q "^pg_ctl stop failed" "$d/bench.out" && why="$why${why:+; }$(grep -m1 '^pg_ctl stop failed' "$d/bench.out")"
	[ "$src" = 0 ] || why="$why${why:+; }server exit $src"
	grep -Eq 'PANIC|FATAL|TRAP|terminated by signal|was terminated|could not (receive|send)|unexpected EOF|invalid frontend|broken pipe' "$d/server.log" &&
		why="$why${why:+; }server log: $(grep -Em1 'PANIC|FATAL|TRAP|terminated by signal|was terminated|could not (receive|send)|unexpected EOF|invalid frontend|broken pipe' "$d/server.log")"
	[ -z "$left" ] || why="$why${why:+; }processes left behind: $left"
	[ -e "$d/.s.PGSQL.$PG_PORT" ] && why="$why${why:+; }socket left behind"
	tps=$(awk '/^tps = / { printf "%s%.0f", n++ ? ", " : "", $3 }' "$d/bench.out")
	local chans; chans=$(cat "$d/channels" 2>/dev/null)
	# Both ends under udsx: the connections must have been given channels (the point of the library).
	[ "$sm $cm" = "udsx udsx" ] && case $chans in "0 of "*|"") why="$why${why:+; }no backend had a channel during pgbench -S ($chans)";; esac
	if [ -n "$why" ]; then bad "$l2" "$why" "$(grep -Ev '^(progress|[0-9]+ of [0-9]+ tuples)' "$d/bench.out" | grep -iE 'error|fail|abort' | grep -v 'failed transactions: 0 ' | head -n 3)"
	else ok "$l2 (tps $tps; backends with a channel: $chans)"; fi
}
