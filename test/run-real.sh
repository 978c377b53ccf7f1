#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-real.sh -- real unmodified programs (socat, redis, D-Bus, tmux, ssh-agent, nginx, Node.js, PostgreSQL, memcached, Python) over pathname and abstract AF_UNIX sockets, kernel vs udsx.
# usage: test/run-real.sh BUILD_DIR   (one line per check, then "N passed, N failed, N skipped")
# env:   UDSX_REAL_TIMEOUT (seconds any one program may run, default 30), UDSX_REAL_MB (socat transfer size, default 64)
#
# Every check runs the same programs on the plain kernel and under udsx and
# requires the same observable result: checksums of what was received, exit
# statuses, and transcripts compared byte for byte. A program that is not
# installed makes its checks SKIP, never pass.
set -u
B=${1:-build}
U=$B/udsx
[ -x "$U" ] && U=$(cd "$(dirname "$U")" && pwd)/udsx	# (absolute: checks may cd)
T=${UDSX_REAL_TIMEOUT:-30}
MB=${UDSX_REAL_MB:-64}
O=$B/test-out/real
rm -rf "$O"; mkdir -p "$O"
O=$(cd "$O" && pwd)     # absolute: redis-server changes into its --dir before it binds
# Socket paths are $O plus up to 40 characters and must fit sun_path (108
# bytes); under a deep checkout, work in a short directory instead.
[ ${#O} -le 64 ] || O=$(mktemp -d /tmp/udsx-real.XXXXXX)
# As root, PostgreSQL runs as the user postgres, which must reach $O: under
# a checkout in a private home directory, work in /tmp instead.
if [ "$(id -u)" = 0 ] && ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$O" 2>/dev/null; then
	O=$(mktemp -d /tmp/udsx-real.XXXXXX); chmod 755 "$O"
fi
pass=0; fail=0; skip=0
ok() { pass=$((pass+1)); echo "ok   real $1"; }
bad() { fail=$((fail+1)); echo "FAIL real $1"; shift; printf '%s\n' "$@" | head -8 | sed 's/^/    /'; }
skp() { skip=$((skip+1)); echo "SKIP real $1 ($2)"; }
have() { command -v "$1" >/dev/null 2>&1; }

# Background servers are bounded by timeout too; the trap ends those still
# running (our own unreaped jobs, so never a recycled pid) when a check fails
# or the script is interrupted. timeout passes the signal on to its program's
# whole process group.
cleanup() { local p; for p in $(jobs -p); do stop "$p"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM
run() { # run MODE CMD...: CMD bounded by $LIMIT (default $T) seconds, under udsx if MODE is udsx, else surely not
	if [ "$1" = udsx ]; then shift; timeout -k 2 "${LIMIT:-$T}" "$U" run -- "$@"
	else shift; timeout -k 2 "${LIMIT:-$T}" env -u LD_PRELOAD "$@"; fi
}
wait_listen() { # wait_listen NAME: until a listening socket NAME (a path, or @name) shows in /proc/net/unix
	local _
	for _ in $(seq 100); do
		awk -v n="$1" '$4 == "00010000" && $8 == n { f = 1 } END { exit !f }' /proc/net/unix && return 0
		sleep 0.05
	done
	return 1
}
# stop PID: end a program started as `run MODE PROG ... &` and return its
# status. $! is the subshell running run(), whose child is timeout, whose
# child is PROG: killing the subshell alone would orphan timeout and PROG,
# still listening, until their time limit (and a later wait_listen on the
# same name would find the orphan). PROG itself gets SIGTERM; signalling
# timeout instead would give it only its 2 s (-k) before SIGKILL.
stop() {
	local t c
	for t in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		c=$(cat "/proc/$t/task/$t/children" 2>/dev/null)
		kill ${c:-$t} 2>/dev/null
	done
	wait "$1" 2>/dev/null
}
# procs_matching TEXT: pids whose command line (arguments joined by spaces)
# contains TEXT; children PID: PID's children. (/proc only: CI's machine may
# have no procps.)
procs_matching() {
	local p c
	for p in /proc/[0-9]*; do
		c=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		[[ $c == *"$1"* ]] && echo "${p#/proc/}"
	done
}
children() { cat "/proc/$1/task/$1/children" 2>/dev/null; }
make_data() { # make_data FILE MIB: pseudo-random bytes, the same every run so a failure can be replayed
	if have python3; then
		python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(1).randbytes(int(sys.argv[1]) << 20))' "$2"
	else
		head -c $(($2 << 20)) /dev/urandom
	fi >"$1"
}

R=$(dirname "$0")/real
source "$R/socat.sh"
source "$R/redis.sh"
source "$R/dbus.sh"
source "$R/tmux.sh"
source "$R/sshagent.sh"
source "$R/nginx.sh"
source "$R/node.sh"
source "$R/postgres.sh"
source "$R/memcached.sh"

if [ ! -x "$U" ] || [ ! -e "$B/libudsx.so" ]; then
	bad "udsx build" "no $U or $B/libudsx.so: build first"
	echo "$pass passed, $fail failed, $skip skipped"; exit 1
fi

# socat: every combination of kernel and udsx on the two ends.
if have socat; then
	socat_data
	for fam in UNIX ABSTRACT; do
		for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do socat_check $fam $m; done
	done
else
	skp "socat" "socat is not installed"
fi

# redis: the whole session on the kernel is the reference for the others.
if have redis-server && have redis-cli && have redis-benchmark; then
	redis_inputs
	for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do redis_check $m; done
else
	skp "redis" "redis-server, redis-cli or redis-benchmark is not installed"
fi

# dbus-daemon and peer-to-peer D-Bus, tmux, ssh-agent: credentials, fds
# passed with SCM_RIGHTS, forking and daemonizing servers. Each check skips
# by itself when its programs are not installed.
for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do dbus_check $m; done
for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do tmux_check $m; done
for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do sshagent_check $m; done

# nginx (a master and workers, epoll edge-triggered, sendfile) with a Python
# upstream and curl; Node.js net servers and fork() IPC (libuv: raw close,
# handles passed with SCM_RIGHTS).
for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do nginx_check $m; done
for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do node_check $m; done

# PostgreSQL (a backend forked per connection, latches, signals; psql and
# pgbench) and memcached (threads, many connections; its own clients and
# a Python one). "kernel kernel" first: it makes the reference transcript.
if pg_inputs; then
	for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do pg_check $m; done
fi
if memcached_inputs; then
	for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do memcached_check $m; done
fi

# Python, stdlib only: each program's transcript must be the same on both paths.
if have python3; then
	for py in sockets asyncio mp subprocess; do
		rm -rf "$O/py.k" "$O/py.u"; mkdir -p "$O/py.k" "$O/py.u"
		run kernel python3 "$R/python_$py.py" "$O/py.k" >"$O/python_$py.kernel" 2>&1; rk=$?
		run udsx python3 "$R/python_$py.py" "$O/py.u" >"$O/python_$py.udsx" 2>&1; ru=$?
		label="python_$py.py: same transcript under udsx"
		if [ $rk -ne 0 ] || [ "$(tail -n 1 "$O/python_$py.kernel")" != "done" ]; then
			bad "$label" "kernel run failed (exit $rk):" "$(tail -n 3 "$O/python_$py.kernel")"
		elif [ $ru -ne 0 ]; then
			bad "$label" "udsx run exit $ru:" "$(tail -n 3 "$O/python_$py.udsx")"
		elif ! cmp -s "$O/python_$py.kernel" "$O/python_$py.udsx"; then
			bad "$label" "$(diff "$O/python_$py.kernel" "$O/python_$py.udsx" | head -6)"
		else
			ok "$label ($(wc -l <"$O/python_$py.kernel") lines)"
		fi
	done
else
	skp "python" "python3 is not installed"
fi

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
