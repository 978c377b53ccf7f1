# SPDX-License-Identifier: MIT
# sshagent.sh -- run-real.sh's ssh-agent checks: a daemonized agent driven by ssh-add and ssh-keygen -Y, and a
# foreground agent taking many requests per connection from several clients at once.
# Sourced by test/run-real.sh, which provides O, T, run, wait_listen, stop, ok, bad, skp, have.
#
# /usr/bin/ssh-agent is set-group-id on Debian (group _ssh): the dynamic
# loader ignores LD_PRELOAD for it, so udsx would silently not run in it.
# Both modes therefore run a plain copy of it ($O/ssh-agent). Keys are made
# once; ECDSA signatures are randomised, so they are verified, not compared.
# The agent's pid and the check's directory are the only things normalised.

sshagent_setup() {
	SSHA_PY=$O/sshagent_proto.py
	[ -e "$SSHA_PY" ] || cat >"$SSHA_PY" <<'PYEOF'
#!/usr/bin/python3
# Raw ssh-agent protocol client: many requests on one connection (lists, signs, bad requests), a deterministic transcript.
import os, sys, socket, struct, hashlib

def s(b): return struct.pack(">I", len(b)) + b

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(os.environ["SSH_AUTH_SOCK"])

def recvn(n):
    b = b""
    while len(b) < n:
        c = sock.recv(n - len(b))
        if not c:
            raise EOFError("agent closed after %d of %d bytes" % (len(b), n))
        b += c
    return b

def req(body):
    sock.sendall(s(body))
    (n,) = struct.unpack(">I", recvn(4))
    return recvn(n)

def parse_ids(r):
    assert r[0] == 12, r[:1]
    (n,) = struct.unpack(">I", r[1:5]); p = 5; ids = []
    for _ in range(n):
        (l,) = struct.unpack(">I", r[p:p + 4]); blob = r[p + 4:p + 4 + l]; p += 4 + l
        (l,) = struct.unpack(">I", r[p:p + 4]); com = r[p + 4:p + 4 + l]; p += 4 + l
        ids.append((blob, com.decode()))
    return ids

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
ids = parse_ids(req(b"\x0b"))
print("identities", [c for _, c in ids])
h = hashlib.sha256(); kinds = {}
for i in range(n):
    blob, com = ids[i % len(ids)]
    data = bytes((i * 7 + k) & 255 for k in range((i * 131) % 9000))
    flags = 4 if com.endswith("rsa") else 0   # rsa-sha2-512
    r = req(b"\x0d" + s(blob) + s(data) + struct.pack(">I", flags))
    kinds[r[0]] = kinds.get(r[0], 0) + 1
    if com.endswith("ecdsa"):
        h.update(r[:1])            # ECDSA signatures are randomised: only the reply type
    else:
        h.update(r)
    if i % 20 == 0:
        h.update(req(b"\x0b"))
        h.update(req(b"\xf0"))     # unknown request: SSH_AGENT_FAILURE
print("signed", n, sorted(kinds.items()), h.hexdigest())
# a large bogus request: the agent answers failure or drops the connection
try:
    r = req(b"\x0d" + s(b"x" * 200000) + s(b"y") + b"\0\0\0\0")
    print("bogus sign ->", r[:1].hex())
except (EOFError, ConnectionError) as e:
    print("bogus sign -> closed")
# (not in the transcript) did this connection get a udsx channel?
if os.environ.get("SSHA_ACCEL"):
    with open("/proc/self/maps") as m, open(os.environ["SSHA_ACCEL"], "a") as f:
        f.write("%d\n" % any(l.rstrip().endswith("/memfd:udsx (deleted)") for l in m))
sock.close()
print("done")
PYEOF
	[ -x "$O/ssh-agent" ] || install -m 755 "$(command -v ssh-agent)" "$O/ssh-agent"
	if [ ! -e "$O/ssh.keys/rsa" ]; then
		rm -rf "$O/ssh.keys"; mkdir -p "$O/ssh.keys"
		local t
		for t in ed25519 ecdsa rsa; do
			env -u LD_PRELOAD ssh-keygen -q -t $t -N '' -C "udsx-$t" -f "$O/ssh.keys/$t" || return 1
		done
		printf '#!/bin/sh\necho udsx-lock-pw\n' >"$O/ssh.keys/askpass"; chmod 755 "$O/ssh.keys/askpass"
		for t in 1 2 3; do echo "message $t" >"$O/ssh.keys/m$t"; done
	fi
}

# sshagent_alive PID: running (a daemon's zombie waits for pid 1, which may reap it late)
sshagent_alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }

# sshagent_session SRV_MODE CLI_MODE DIR: the transcript, on stdout.
sshagent_session() {
	local sm=$1 cm=$2 d=$3 k=$O/ssh.keys t pid out i p
	local -x SSH_AUTH_SOCK=$d/agent SSHA_ACCEL=$d/accel SSH_ASKPASS=$O/ssh.keys/askpass SSH_ASKPASS_REQUIRE=force
	echo "== daemonized agent"
	out=$(run "$sm" "$O/ssh-agent" -s -a "$d/agent" </dev/null 2>&1); echo "rc=$?"
	pid=$(printf '%s\n' "$out" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
	[ -n "$pid" ] || { printf '%s\n' "$out"; return; }
	printf '%s\n' "$out" | sed "s/$pid/PID/g"
	echo "$pid" >"$d/agent.pid"
	wait_listen "$d/agent" || echo "agent never listened"
	# the daemon's listening socket must be in the daemon, not in the exited parent
	sshagent_alive "$pid" && echo "agent running"
	echo "== ssh-add"
	run "$cm" ssh-add -l; echo "rc=$?"
	run "$cm" ssh-add "$k/ed25519" "$k/ecdsa" "$k/rsa" </dev/null; echo "rc=$?"
	run "$cm" ssh-add -l; echo "rc=$?"
	run "$cm" ssh-add -L; echo "rc=$?"
	run "$cm" ssh-add -T "$k/ed25519.pub" "$k/ecdsa.pub" "$k/rsa.pub"; echo "rc=$?"
	echo "== ssh-keygen -Y sign/verify"
	for t in ed25519 rsa ecdsa; do
		rm -f "$k"/m?.sig
		run "$cm" ssh-keygen -Y sign -f "$k/$t.pub" -n file "$k/m1" "$k/m2" "$k/m3" </dev/null; echo "rc=$?"
		for i in 1 2 3; do
			[ $t = ecdsa ] || cat "$k/m$i.sig"
			echo "udsx@test $(cat "$k/$t.pub")" >"$d/allowed"
			run "$cm" ssh-keygen -Y verify -f "$d/allowed" -I udsx@test -n file -s "$k/m$i.sig" <"$k/m$i"; echo "rc=$?"
		done
	done
	echo "== lock, unlock"
	run "$cm" ssh-add -x </dev/null; echo "rc=$?"
	run "$cm" ssh-add -l; echo "rc=$?"
	run "$cm" ssh-keygen -Y sign -f "$k/ed25519.pub" -n file "$k/m1" </dev/null; echo "rc=$?"
	run "$cm" ssh-add -X </dev/null; echo "rc=$?"
	run "$cm" ssh-add -l; echo "rc=$?"
	echo "== many requests on one connection"
	run "$cm" python3 "$SSHA_PY" 150; echo "rc=$?"
	echo "== 4 clients at once"
	p=()
	for i in 1 2 3 4; do run "$cm" python3 "$SSHA_PY" 40 >"$d/par.$i" 2>&1 & p+=("$!"); done
	for i in 1 2 3 4; do wait "${p[$((i - 1))]}"; echo "rc=$?"; cat "$d/par.$i"; done
	echo "== delete"
	run "$cm" ssh-add -d "$k/ecdsa.pub"; echo "rc=$?"
	run "$cm" ssh-add -l; echo "rc=$?"
	run "$cm" ssh-add -D; echo "rc=$?"
	run "$cm" ssh-add -l; echo "rc=$?"
	echo "== ssh-agent -k"
	SSH_AGENT_PID=$pid run "$cm" "$O/ssh-agent" -s -k 2>&1 | sed "s/$pid/PID/g"; echo "rc=${PIPESTATUS[0]}"
	for i in $(seq 100); do sshagent_alive "$pid" || break; sleep 0.05; done
	sshagent_alive "$pid" && echo "agent still running after -k"
	[ -e "$d/agent" ] && echo "agent socket left behind"
}

# sshagent_check SRV_MODE CLI_MODE: the session, compared with the kernel's; then a foreground agent's stderr too.
sshagent_check() {
	local sm=$1 cm=$2 d=$O/sshagent.$1.$2 pid why="" srv
	local label="ssh-agent (daemonized) + ssh-add, ssh-keygen -Y, lock, 150 requests on one connection, 4 at once: server $sm, client $cm"
	if ! have ssh-agent || ! have ssh-add || ! have ssh-keygen || ! have python3; then
		skp "ssh-agent" "ssh-agent, ssh-add, ssh-keygen or python3 is not installed"; return
	fi
	sshagent_setup || { bad "$label" "could not make keys"; return; }
	if [ ! -e "$O/sshagent.reference" ] && [ "$sm $cm" != "kernel kernel" ]; then
		sshagent_check kernel kernel >/dev/null
	fi
	rm -rf "$d"; mkdir -p "$d"
	LIMIT=${LIMIT:-20} sshagent_session "$sm" "$cm" "$d" >"$d/transcript" 2>&1
	sed -i "s|$d|DIR|g; s|$O|OUT|g" "$d/transcript"
	# never leave our daemon behind, whatever happened (only the pid we started, still running our socket)
	pid=$(cat "$d/agent.pid" 2>/dev/null)
	if [ -n "$pid" ] && grep -qF "$d/agent" "/proc/$pid/cmdline" 2>/dev/null; then
		kill "$pid"; why="agent left running"
	fi
	[ "$sm $cm" = "kernel kernel" ] && cp "$d/transcript" "$O/sshagent.reference"
	grep -qx "agent running" "$d/transcript" || why="$why${why:+; }the agent did not start"
	[ "$(grep -c '^done$' "$d/transcript")" = 5 ] || why="$why${why:+; }a protocol client did not finish"
	if [ -n "$why" ]; then bad "$label" "$why" "$(tail -n 4 "$d/transcript")"
	elif ! cmp -s "$O/sshagent.reference" "$d/transcript"; then
		bad "$label" "differs from the kernel's:" "$(diff "$O/sshagent.reference" "$d/transcript" | head -n 6)"
	else ok "$label (protocol clients with a udsx channel: $(grep -c 1 "$d/accel" 2>/dev/null) of 5)"; fi

	# A foreground agent (-D keeps stderr): its log and its clients' transcript must be the kernel's.
	label="ssh-agent -D log and clients: server $sm, client $cm"
	rm -f "$d/fg"
	run "$sm" "$O/ssh-agent" -D -a "$d/fg" >"$d/fg.out" 2>"$d/fg.err" & srv=$!
	if ! wait_listen "$d/fg"; then stop "$srv"; bad "$label" "agent never listened: $(head -c 200 "$d/fg.err")"; return; fi
	{
		SSH_AUTH_SOCK=$d/fg run "$cm" ssh-add "$O/ssh.keys/ed25519" "$O/ssh.keys/rsa" </dev/null; echo "rc=$?"
		SSH_AUTH_SOCK=$d/fg run "$cm" python3 "$SSHA_PY" 100; echo "rc=$?"
		SSH_AUTH_SOCK=$d/fg run "$cm" ssh-add -D; echo "rc=$?"
	} >"$d/fg.transcript" 2>&1
	if kill -0 "$srv" 2>/dev/null; then stop "$srv"; echo "agent exit $? after SIGTERM"; else wait "$srv"; echo "agent exited early, status $?"; fi >>"$d/fg.transcript"
	sed "s|$d|DIR|g; s/^echo Agent pid [0-9]*;/echo Agent pid PID;/" "$d/fg.out" >>"$d/fg.transcript"
	echo "== agent stderr" >>"$d/fg.transcript"; cat "$d/fg.err" >>"$d/fg.transcript"
	sed -i "s|$d|DIR|g; s|$O|OUT|g" "$d/fg.transcript"
	[ "$sm $cm" = "kernel kernel" ] && cp "$d/fg.transcript" "$O/sshagent.fg.reference"
	if ! grep -qx done "$d/fg.transcript"; then bad "$label" "the protocol client did not finish" "$(tail -n 4 "$d/fg.transcript")"
	elif ! cmp -s "$O/sshagent.fg.reference" "$d/fg.transcript"; then
		bad "$label" "differs from the kernel's:" "$(diff "$O/sshagent.fg.reference" "$d/fg.transcript" | head -n 6)"
	else ok "$label"; fi
}
