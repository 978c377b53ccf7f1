# SPDX-License-Identifier: MIT
# tmux.sh -- run-real.sh's tmux checks: a tmux server on its own socket (-S), started by a client (fork, socketpair,
# daemon), driven by many short clients (each passes its stdio fds with SCM_RIGHTS), a blocking wait-for client,
# 3 MiB through load-buffer/save-buffer, and a control-mode (-C) client with many commands on one connection.
# Sourced by test/run-real.sh, which provides O, T, run, stop, ok, bad, skp, have, make_data.
#
# The first client forks the server, so "server udsx" means the session was
# started by a client under udsx (the server and its panes inherit the
# library). Only the control-mode timestamps are normalised.

tmux_setup() {
	[ -e "$O/tmux.data" ] || make_data "$O/tmux.data" 3
	[ -e "$O/tmux.ctl" ] || {
		local i
		for i in $(seq 60); do echo "display-message -p 'ctl $i #{session_name} #{window_width}x#{window_height}'"; done
		echo "list-windows -F '#{window_index} #{window_name} #{window_panes}'"
		echo "show-buffer -b big"
		echo "capture-pane -p -t main:0 -S -60"
		for i in $(seq 20); do echo "set-buffer -b c$i 'control $i'"; echo "show-buffer -b c$i"; done
		echo "list-buffers -F '#{buffer_name} #{buffer_size}'"
		echo "detach-client"
	} >"$O/tmux.ctl"
}

# tmux_alive PID: running (a daemon's zombie waits for pid 1, which may reap it late)
tmux_alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }

tmux_session() {
	local sm=$1 cm=$2 d=$3 S=$3/sock i p pid
	tmux_tm() { run "$cm" tmux -S "$S" "$@"; }
	echo "== start"
	run "$sm" tmux -S "$S" -f /dev/null new-session -d -s main -n first -x 100 -y 30 'PS1="$ " exec sh' </dev/null; echo "rc=$?"
	pid=$(tmux_tm display-message -p '#{pid}'); echo "$pid" >"$d/server.pid"
	[ -n "$pid" ] && [ -e "/proc/$pid" ] && echo "server running"
	tmux_tm display-message -p '#{session_name} #{window_width}x#{window_height} #{session_windows}'; echo "rc=$?"
	echo "== send-keys, wait-for, capture-pane"
	tmux_tm send-keys -t main 'seq 1 40; tmux wait-for -S done1' Enter; echo "rc=$?"
	tmux_tm wait-for done1; echo "rc=$?"
	tmux_tm capture-pane -p -t main -S -50; echo "rc=$?"
	echo "== windows and panes"
	tmux_tm new-window -d -t main:1 -n second 'PS1="% " exec sh'; echo "rc=$?"
	tmux_tm split-window -d -h -t main:1 'PS1="> " exec sh'; echo "rc=$?"
	tmux_tm split-window -d -v -t main:1.1 'printf "x%.0s" $(seq 500); tmux wait-for -S done2; exec cat'; echo "rc=$?"
	tmux_tm wait-for done2; echo "rc=$?"
	tmux_tm list-windows -t main -F '#{window_index} #{window_name} #{window_panes} #{window_width}x#{window_height}'; echo "rc=$?"
	tmux_tm list-panes -s -t main -F '#{window_index}.#{pane_index} #{pane_width}x#{pane_height} #{pane_current_command}'; echo "rc=$?"
	tmux_tm capture-pane -p -J -t main:1.2; echo "rc=$?"
	echo "== buffers"
	tmux_tm load-buffer -b big - <"$O/tmux.data"; echo "rc=$?"
	tmux_tm save-buffer -b big - | sha256sum; echo "rc=${PIPESTATUS[0]}"
	tmux_tm set-buffer -b small 'hello, buffer'; tmux_tm show-buffer -b small; echo "rc=$?"
	tmux_tm list-buffers -F '#{buffer_name} #{buffer_size}'; echo "rc=$?"
	tmux_tm run-shell 'echo from run-shell; seq 3'; echo "rc=$?"
	tmux_tm has-session -t nosuch; echo "rc=$?"
	tmux_tm nosuch-command; echo "rc=$?"
	echo "== 40 clients one after another, 8 at once"
	for i in $(seq 40); do tmux_tm display-message -p "seq $i #{session_name}"; done | sha256sum
	p=()
	for i in $(seq 8); do tmux_tm display-message -p "par $i #{session_windows}" >"$d/par.$i" 2>&1 & p+=("$!"); done
	for i in $(seq 8); do wait "${p[$((i - 1))]}"; echo "rc=$?"; cat "$d/par.$i"; done
	echo "== control mode"
	# show-buffer of the 3 MiB buffer comes back escaped (~8 MB): hashed, the rest in full
	# commands only once attached: tmux reads them from the client's stdin in the server, the attach
	# arrives over the socket, and with all the input there at once tmux may run either first
	mkfifo "$d/ctl.in"
	tmux_tm -C attach -t main <"$d/ctl.in" >"$d/ctl.out" 2>&1 & p=$!
	exec 8>"$d/ctl.in"
	for i in $(seq 200); do grep -q '^%session-changed' "$d/ctl.out" && break; sleep 0.05; done
	cat "$O/tmux.ctl" >&8; exec 8>&-
	wait "$p"; echo "rc=$?"
	sed 's/^\(%begin\|%end\|%error\) [0-9]* /\1 T /' "$d/ctl.out" | awk 'length($0) > 200 { n++; next } { print } END { print n " long lines" }'
	awk 'length($0) > 200' "$d/ctl.out" | sha256sum
	echo "== kill-server"
	tmux_tm kill-window -t main:1; echo "rc=$?"
	tmux_tm kill-server; echo "rc=$?"
	for i in $(seq 100); do tmux_alive "$pid" || break; sleep 0.05; done
	tmux_alive "$pid" && echo "server still running after kill-server"
	tmux_tm list-sessions 2>&1 | sed "s|$S|SOCK|"; echo "rc=${PIPESTATUS[0]}"
}

# tmux_check SRV_MODE CLI_MODE: the session, compared with the kernel's.
tmux_check() {
	local sm=$1 cm=$2 d=$O/tmux.$1.$2 pid why=""
	local label="tmux -S server (started by a client) + 60 clients, wait-for, 3 MiB buffer, control mode: server $sm, clients $cm"
	have tmux || { skp "tmux" "tmux is not installed"; return; }
	tmux_setup
	if [ ! -e "$O/tmux.reference" ] && [ "$sm $cm" != "kernel kernel" ]; then
		tmux_check kernel kernel >/dev/null
	fi
	rm -rf "$d"; mkdir -p "$d"
	LIMIT=${LIMIT:-15} tmux_session "$sm" "$cm" "$d" >"$d/transcript" 2>&1
	# never leave our server behind (only the pid that served our socket)
	pid=$(cat "$d/server.pid" 2>/dev/null)
	if [ -n "$pid" ] && [ -e "/proc/$pid" ] && grep -qF "$d/sock" "/proc/$pid/cmdline" 2>/dev/null; then
		kill "$pid"; why="server left running"
	fi
	[ "$sm $cm" = "kernel kernel" ] && cp "$d/transcript" "$O/tmux.reference"
	grep -qx "server running" "$d/transcript" || why="$why${why:+; }the server did not start"
	if [ -n "$why" ]; then bad "$label" "$why" "$(tail -n 4 "$d/transcript")"
	elif ! cmp -s "$O/tmux.reference" "$d/transcript"; then
		bad "$label" "differs from the kernel's:" "$(diff "$O/tmux.reference" "$d/transcript" | head -n 6)"
	else ok "$label"; fi
}
