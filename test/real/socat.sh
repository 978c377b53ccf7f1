# SPDX-License-Identifier: MIT
# socat.sh -- run-real.sh's socat checks: bulk data each way, echoed through a child, and to a forking server.
# Sourced by test/run-real.sh, which provides O, MB, T, run, wait_listen, stop, ok, bad, make_data.
# socat_one works in the directory $d of the socat_check calling it.

# The payloads, made once.
socat_data() {
	make_data "$O/socat.data" "$MB"
	SUM=$(sha256sum <"$O/socat.data" | cut -d' ' -f1)
	head -c 16M "$O/socat.data" >"$O/socat.data16"
	SUM16=$(sha256sum <"$O/socat.data16" | cut -d' ' -f1)
}

# socat_one DIR SRV_MODE CLI_MODE LISTEN CONNECT NAME: one transfer in $d; appends what went wrong to $d/msgs.
socat_one() {
	local dir=$1 sm=$2 cm=$3 lis=$4 con=$5 name=$6 srv src crc i want=$SUM
	: >"$d/got"
	case $dir in
	c2s)  run "$sm" socat -u "$lis" - >"$d/got" 2>"$d/srv.err" & srv=$! ;;
	s2c)  run "$sm" socat -u OPEN:"$O/socat.data" "$lis" 2>"$d/srv.err" & srv=$! ;;
	# socat runs cat in a child over a socketpair (fork, exec, and a channel inherited across exec)
	echo) run "$sm" socat -t 10 "$lis" EXEC:cat 2>"$d/srv.err" & srv=$! ;;
	# one forked socat per accepted connection, each running sh -c sha256sum over a socketpair
	fork) run "$sm" socat "$lis,fork" SYSTEM:sha256sum 2>"$d/srv.err" & srv=$! ;;
	esac
	wait_listen "$name" || { stop "$srv"; echo "$dir: server never listened: $(head -c 200 "$d/srv.err")" >>"$d/msgs"; return; }
	case $dir in
	c2s)  run "$cm" socat -u OPEN:"$O/socat.data" "$con" 2>"$d/cli.err"; crc=$? ;;
	s2c)  run "$cm" socat -u "$con" - >"$d/got" 2>"$d/cli.err"; crc=$? ;;
	echo) run "$cm" socat -t 10 - "$con" <"$O/socat.data" >"$d/got" 2>"$d/cli.err"; crc=$? ;;
	fork)
		want=$(for i in 1 2 3 4; do echo "$SUM16  -"; done | sha256sum | cut -d' ' -f1)
		local cp=() p; crc=0
		for i in 1 2 3 4; do
			run "$cm" socat -t 10 - "$con" <"$O/socat.data16" >"$d/got.$i" 2>>"$d/cli.err" & cp+=("$!")
		done
		for p in "${cp[@]}"; do wait "$p" || crc=$?; done
		;;
	esac
	if [ "$dir" = fork ]; then
		stop "$srv"; src=0      # a forking server never ends by itself
		cat "$d"/got.? >"$d/got"
	else
		wait "$srv"; src=$?
	fi
	local got; got=$(sha256sum <"$d/got" | cut -d' ' -f1)
	{
		if [ "$got" = "$want" ]; then :
		elif [ "$dir" = fork ]; then echo "fork: $(grep -cxF "$SUM16  -" "$d/got") of 4 clients got the right sha256 of their 16 MiB back"
		else echo "$dir: received $(stat -c %s "$d/got") bytes, sha256 differs"; fi
		[ "$src" = 0 ] || echo "$dir: server exit $src"
		[ "$crc" = 0 ] || echo "$dir: client exit $crc"
		[ -s "$d/srv.err" ] && echo "$dir: server stderr: $(head -c 200 "$d/srv.err")"
		[ -s "$d/cli.err" ] && echo "$dir: client stderr: $(head -c 200 "$d/cli.err")"
	} >>"$d/msgs"
	rm -f "$d"/got*
}

# socat_check UNIX|ABSTRACT SRV_MODE CLI_MODE: every transfer between a server and clients in these modes.
socat_check() {
	local fam=$1 sm=$2 cm=$3 dir name lis con
	local d=$O/socat.$fam.$sm.$cm
	mkdir -p "$d"
	: >"$d/msgs"
	for dir in c2s s2c echo fork; do
		if [ "$fam" = UNIX ]; then
			name=$d/$dir.sock; lis=UNIX-LISTEN:$name; con=UNIX-CONNECT:$name
		else   # abstract names are global: make them unique to this run
			name=udsx-real-$$-$sm-$cm-$dir; lis=ABSTRACT-LISTEN:$name; con=ABSTRACT-CONNECT:$name; name=@$name
		fi
		socat_one "$dir" "$sm" "$cm" "$lis" "$con" "$name"
	done
	local label="socat $fam-LISTEN/CONNECT $MB MiB c2s, s2c, echo, fork: server $sm, client $cm"
	if [ ! -s "$d/msgs" ]; then ok "$label"; else bad "$label" "$(cat "$d/msgs")"; fi
}
