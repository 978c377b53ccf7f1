# SPDX-License-Identifier: MIT
# node.sh -- run-real.sh's Node.js checks: net servers and clients on a pathname and an abstract socket (framed
# echo and checksum messages, small and multi-MiB, several connections at once), and child_process.fork()
# IPC (a socketpair; messages small and multi-MiB; a net.Server and an accepted net.Socket handed to the
# child with SCM_RIGHTS).
# Sourced by test/run-real.sh, which provides O, U, T, run, wait_listen, stop, ok, bad, skp, have.
#
# node_check SRV_MODE CLI_MODE: the net servers run in SRV_MODE and their clients in CLI_MODE; the fork()
# parent runs in SRV_MODE and its child in CLI_MODE. Every transcript must end as it should and, once the
# kernel-kernel check has run, equal its transcript byte for byte. ~5 s per check; each program is bounded
# (each net program 7 s, fork 8 s).

NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# node_listen ADDR: until ADDR listens. Node binds an abstract name with the whole sun_path, the rest
# NULs, which /proc/net/unix shows as "@name@@@...": matched by its beginning.
node_listen() {
	local _
	case $1 in
	@*)
		for _ in $(seq 100); do
			awk -v n="$1@" '$4 == "00010000" && index($8, n) == 1 { f = 1 } END { exit !f }' /proc/net/unix && return 0
			sleep 0.05
		done
		return 1 ;;
	*) wait_listen "$1" ;;
	esac
}

# node_net_one NAME ADDR: one server and one client program (3 connections) in $d; transcript into $d/NAME.
node_net_one() {
	local name=$1 addr=$2 srv crc src
	LIMIT=7 run "$sm" node "$NODE_DIR/node_net.js" server "$addr" 3 >"$d/$name.srv" 2>&1 & srv=$!
	if ! node_listen "$addr"; then
		stop "$srv"
		echo "$name: server never listened: $(head -c 200 "$d/$name.srv")" >"$d/$name"; return
	fi
	LIMIT=7 run "$cm" node "$NODE_DIR/node_net.js" client "$addr" 3 >"$d/$name.cli" 2>&1; crc=$?
	wait "$srv"; src=$?
	{ cat "$d/$name.cli"; echo "client exit $crc"; cat "$d/$name.srv"; echo "server exit $src"; } >"$d/$name"
}

node_check() {
	local sm=$1 cm=$2 d=$O/node.$1.$2 why="" f pre
	local label="node: net on a path and an abstract name (3 connections, 3506 frames each, up to 9 MiB), fork() IPC with handles: server/parent $sm, clients/child $cm"
	have node || { skp "$label" "node is not installed"; return; }
	rm -rf "$d"; mkdir -p "$d"
	node_net_one net.path "$d/net.sock"
	node_net_one net.abstract "@udsx-real-$$-node-$sm-$cm"
	# the fork() child: without udsx, or with it (inherited, or given to a child of a parent without it)
	if [ "$cm" = kernel ]; then pre=-
	elif [ "$sm" = udsx ]; then pre=
	else pre=$(cd "$(dirname "$U")" && pwd)/libudsx.so; fi
	mkdir -p "$d/fork"
	if [ -n "$pre" ]; then
		NODE_FORK_CHILD_PRELOAD=$pre LIMIT=8 run "$sm" node "$NODE_DIR/node_fork.js" "$d/fork" >"$d/fork.out" 2>&1
	else
		LIMIT=8 run "$sm" node "$NODE_DIR/node_fork.js" "$d/fork" >"$d/fork.out" 2>&1
	fi
	echo "exit $?" >>"$d/fork.out"
	for f in net.path net.abstract; do
		grep -qx 'client: done' "$d/$f" && grep -qx 'server: done' "$d/$f" && grep -qx 'client exit 0' "$d/$f" &&
			grep -qx 'server exit 0' "$d/$f" && ! grep -q 'mismatches [^0]\|error\|exception' "$d/$f" ||
			why="$why${why:+; }$f: $(grep -v '^conn\|^server: frames' "$d/$f" | head -n 3 | tr '\n' ' ')"
	done
	grep -qx 'done' "$d/fork.out" && grep -qx 'exit 0' "$d/fork.out" &&
		! grep -q 'bad [^0]\|same false\|error\|exception\|should not' "$d/fork.out" ||
		why="$why${why:+; }fork: $(grep -qx 'exit 124' "$d/fork.out" && echo 'timed out, ')$(($(grep -c . "$d/fork.out") - 1)) lines printed of the kernel's 13, last: $(grep -v '^exit [0-9]*$' "$d/fork.out" | tail -n 1)"
	if [ "$sm $cm" = "kernel kernel" ]; then
		for f in net.path net.abstract fork.out; do cp "$d/$f" "$O/node.reference.$f"; done
	fi
	if [ -z "$why" ]; then
		for f in net.path net.abstract fork.out; do
			[ -e "$O/node.reference.$f" ] && ! cmp -s "$O/node.reference.$f" "$d/$f" &&
				why="$why${why:+; }$f differs from the kernel's: $(diff "$O/node.reference.$f" "$d/$f" | head -n 4 | tr '\n' ' ')"
		done
	fi
	if [ -n "$why" ]; then bad "$label" "$why"; else ok "$label"; fi
}
