# SPDX-License-Identifier: MIT
# memcached.sh -- run-real.sh's memcached checks: a text-protocol session, memccp/memccat and memcslap against memcached on a unix socket.
# Sourced by test/run-real.sh, which provides O, T, run, wait_listen, stop, ok, bad, skp, have, make_data.
#
# usage (from run-real.sh):
#   if memcached_inputs; then for m in "kernel kernel" "udsx udsx" "udsx kernel" "kernel udsx"; do memcached_check $m; done; fi
# memcached_inputs says SKIP itself and fails when memcached or python3 is missing (memccp, memccat and
# memcslap from libmemcached-tools are used when present). memcached_check "kernel kernel" makes the
# reference transcript the others are compared with, so it runs first.

# memcached_inputs: the session client (python3, stdlib only) and a 2 MiB file for memccp.
memcached_inputs() {
	if ! have memcached || ! have python3; then skp "memcached" "memcached or python3 is not installed"; return 1; fi
	cat >"$O/memcached_client.py" <<'MC_PY'
# memcached_client.py SOCKET: a deterministic memcached text-protocol session over a unix socket.
# Prints a transcript (replies, or the sha256 of long ones) that must be the same on the kernel and under udsx.
import hashlib
import random
import selectors
import socket
import sys

path = sys.argv[1]
rnd = random.Random(7)
out = sys.stdout


def say(*a):
    print(*a, file=out, flush=True)


def digest(b):
    return hashlib.sha256(b).hexdigest()[:16]


class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def send(self, b):
        self.s.sendall(b)

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed by memcached")
        self.buf += d

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        b, self.buf = self.buf[:n], self.buf[n:]
        return b

    def values(self, cas=False):
        """read VALUE blocks up to END; returns [(key, flags, data[, cas])]"""
        got = []
        while True:
            l = self.line()
            if l == b"END":
                return got
            f = l.split()
            if f[0] != b"VALUE":
                return got + [("unexpected", l)]
            data = self.exact(int(f[3]) + 2)[:-2]
            got.append((f[1].decode(), int(f[2]), data) + ((int(f[4]),) if cas else ()))

    def cmd(self, b):
        self.send(b)
        return self.line().decode()

    def close(self):
        self.s.close()


def val(i, n):
    r = random.Random(i)
    return r.randbytes(n)


c = Conn()
say("version:", c.cmd(b"version\r\n"))

# 3000 keys of 0..20000 bytes, with flags; read back singly, then by multi-get of 100 keys
sizes = [rnd.choice((0, 1, 5, 100, 1000, 4000, 16384, 20000)) + rnd.randrange(50) for _ in range(3000)]
res = {}
for i, n in enumerate(sizes):
    r = c.cmd(b"set key:%d %d 0 %d\r\n" % (i, i % 65536, n) + val(i, n) + b"\r\n")
    res[r] = res.get(r, 0) + 1
say("set 3000:", sorted(res.items()))
bad = 0
for i in range(0, 3000, 7):
    c.send(b"get key:%d\r\n" % i)
    v = c.values()
    if len(v) != 1 or v[0][1] != i % 65536 or v[0][2] != val(i, sizes[i]):
        bad += 1
say("get every 7th: wrong", bad)
h = hashlib.sha256()
for b in range(0, 3000, 100):
    keys = b" ".join(b"key:%d" % i for i in range(b, b + 100)) + b" nosuch:%d" % b
    c.send(b"get " + keys + b"\r\n")
    for k, f, d in c.values():
        h.update(k.encode() + b"/%d/" % f + d)
say("multi-get 30x100:", h.hexdigest()[:16])

# large values: 100 KiB to 6 MiB (the server runs with -I 8m)
for n in (100 << 10, 512 << 10, 1000000, 3 << 20, 6 << 20):
    v = val(n, n)
    say("set %d:" % n, c.cmd(b"set big:%d 1 0 %d\r\n" % (n, n) + v + b"\r\n"))
for n in (100 << 10, 512 << 10, 1000000, 3 << 20, 6 << 20):
    c.send(b"get big:%d\r\n" % n)
    v = c.values()
    say("get %d:" % n, len(v), v and len(v[0][2]), v and v[0][2] == val(n, n), v and digest(v[0][2]))
c.send(b"get " + b" ".join(b"big:%d" % n for n in (100 << 10, 1000000, 6 << 20)) + b"\r\n")
say("multi-get big:", [(k, len(d), digest(d)) for k, f, d in c.values()])

# pipelined: 5000 commands in one send, then every reply
p = b"".join(b"set p:%d 0 0 %d\r\n%s\r\n" % (i, len(b"%d" % (i * i)), b"%d" % (i * i)) for i in range(2500))
p += b"".join(b"get p:%d\r\n" % i for i in range(2500))
c.send(p)
replies = [c.line() for _ in range(2500)]
say("pipelined sets:", sorted(set(replies)))
gets = b""
for i in range(2500):
    for k, f, d in c.values():
        gets += d + b","
say("pipelined gets:", digest(gets), gets.count(b","))

# arithmetic, append/prepend, cas, add/replace, delete, touch, noreply, errors
for line in (b"set n 0 0 2\r\n10\r\n", b"incr n 5\r\n", b"decr n 100\r\n", b"incr n 18446744073709551615\r\n",
             b"incr nosuch 1\r\n", b"set s 0 0 3\r\nabc\r\n", b"incr s 1\r\n", b"append s 0 0 3\r\ndef\r\n",
             b"prepend s 0 0 3\r\nxyz\r\n", b"add s 0 0 1\r\nq\r\n", b"add s2 0 0 1\r\nq\r\n",
             b"replace nosuch 0 0 1\r\nq\r\n", b"replace s2 0 0 2\r\nqq\r\n", b"delete s2\r\n", b"delete s2\r\n",
             b"touch s 100\r\n", b"touch nosuch 100\r\n",
             b"bogus command\r\n", b"set toolong 0 0 2\r\nabcd\r\n", b"get " + b"k" * 251 + b"\r\n",
             b"set neg 0 0 -1\r\n", b"incr\r\n"):
    if line.startswith(b"bogus"):
        c.send(b"set nr 0 0 2 noreply\r\nok\r\n")
    say(repr(line[:40]), "->", repr(c.cmd(line)))
    if line.startswith(b"set toolong"):
        say("  then:", repr(c.line()))
for k in (b"n", b"s", b"nr", b"s2"):
    c.send(b"get %s\r\n" % k)
    say("get", k.decode(), [(kk, f, d) for kk, f, d in c.values()])
c.send(b"gets s\r\n")
(k, f, d, cas), = c.values(cas=True)
say("cas stale:", c.cmd(b"cas s 0 0 1 %d\r\nZ\r\n" % (cas + 1000)))
say("cas right:", c.cmd(b"cas s 0 0 1 %d\r\nY\r\n" % cas))
say("cas again:", c.cmd(b"cas s 0 0 1 %d\r\nX\r\n" % cas))
# meta commands
say("ms:", c.cmd(b"ms meta 5 T0\r\nhello\r\n"))
c.send(b"mg meta v f\r\n")
say("mg:", c.line().decode(), c.line().decode())
say("mg miss:", c.cmd(b"mg nosuch v\r\n"))
say("mn:", c.cmd(b"mn\r\n"))

# 40 connections at once, interleaved: each sets and reads back its own keys
conns = [Conn() for _ in range(40)]
for r in range(20):
    for j, cc in enumerate(conns):
        v = val(j * 1000 + r, 100 + 37 * r + j)
        cc.send(b"set c%d:%d 0 0 %d\r\n" % (j, r, len(v)) + v + b"\r\n")
    for cc in conns:
        assert cc.line() == b"STORED"
okc = 0
for j, cc in enumerate(conns):
    cc.send(b"get " + b" ".join(b"c%d:%d" % (j, r) for r in range(20)) + b"\r\n")
for j, cc in enumerate(conns):
    vs = cc.values()
    okc += all(d == val(j * 1000 + r, 100 + 37 * r + j) for r, (k, f, d) in enumerate(vs)) and len(vs) == 20
say("40 connections x 20 keys: right on", okc)
for cc in conns:
    cc.close()

# the same 40 with a selector, all sending large values at once
sel = selectors.DefaultSelector()
conns = [Conn() for _ in range(12)]
pending = {}
for j, cc in enumerate(conns):
    cc.s.setblocking(False)
    v = val(5000 + j, 300000 + j)
    pending[cc] = b"set sel:%d 0 0 %d\r\n" % (j, len(v)) + v + b"\r\nget sel:%d\r\n" % j
    sel.register(cc.s, selectors.EVENT_READ | selectors.EVENT_WRITE, cc)
got = {cc: b"" for cc in conns}
want = {cc: len(b"STORED\r\nVALUE sel:%d 0 %d\r\n" % (j, 300000 + j)) + 300000 + j + len(b"\r\nEND\r\n") for j, cc in enumerate(conns)}
while sel.get_map():
    for key, ev in sel.select(10):
        cc = key.data
        if ev & selectors.EVENT_WRITE and pending[cc]:
            n = cc.s.send(pending[cc][:200000])
            pending[cc] = pending[cc][n:]
            if not pending[cc]:
                sel.modify(cc.s, selectors.EVENT_READ, cc)
        if ev & selectors.EVENT_READ:
            try:
                d = cc.s.recv(1 << 20)
            except BlockingIOError:
                continue
            got[cc] += d
            if not d or len(got[cc]) >= want[cc]:
                sel.unregister(cc.s)
say("selector 12 x 300 KB:", [digest(got[cc]) for cc in conns] == [digest(b"STORED\r\nVALUE sel:%d 0 %d\r\n" % (j, 300000 + j) + val(5000 + j, 300000 + j) + b"\r\nEND\r\n") for j, cc in enumerate(conns)])
for cc in conns:
    cc.close()

# the counts the server keeps (only the deterministic ones), while every command so far has its reply
c.send(b"stats\r\n")
st = {}
while True:
    l = c.line().split()
    if l[0] == b"END":
        break
    st[l[1].decode()] = l[2].decode()
say("stats:", {k: st[k] for k in ("cmd_get", "cmd_set", "get_hits", "get_misses", "delete_hits", "delete_misses",
                                  "incr_hits", "incr_misses", "cas_hits", "cas_badval", "cas_misses", "touch_hits",
                                  "curr_items", "total_items")})
# a client that sends a request and its end of file; one that sends and closes without reading
h = Conn()
h.send(b"get key:1 key:2\r\n")
h.s.shutdown(socket.SHUT_WR)
rest = b""
while True:
    d = h.s.recv(65536)
    if not d:
        break
    rest += d
say("after SHUT_WR:", len(rest), digest(rest))
h.close()
for _ in range(20):
    h = Conn()
    h.send(b"get big:%d\r\n" % (6 << 20))
    h.close()
say("still there:", c.cmd(b"version\r\n"))

say("flush:", c.cmd(b"flush_all\r\n"))
c.send(b"get key:1\r\n")
say("after flush:", c.values())
say("quit")
c.send(b"quit\r\n")
say("eof:", c.s.recv(10))
say("done")
MC_PY
	make_data "$O/memcached.file" 2
}

# memcached_session: everything the clients see, into $d/transcript; memcslap's timings into $d/slap.out.
memcached_session() {
	echo "== session"; run "$MCM" python3 "$O/memcached_client.py" "$MS"; echo "rc=$?"
	if have memccp && have memccat && have memcexist; then
		echo "== memccp/memccat 2 MiB"
		(cd "$O" && run "$MCM" memccp --servers="$MS" memcached.file); echo "rc=$?"
		run "$MCM" memccat --servers="$MS" memcached.file >"$d/memccat.out"; echo "memccat rc=$?"
		# memccat prints the value and a newline
		{ cat "$O/memcached.file"; echo; } | cmp -s - "$d/memccat.out"; echo "memccat: same as the file: $?"
		rm -f "$d/memccat.out"
		run "$MCM" memcexist --servers="$MS" memcached.file; echo "memcexist: $?"
		run "$MCM" memcexist --servers="$MS" no.such.key; echo "memcexist no.such.key: $?"
	fi
	if have memcslap; then
		local t
		for t in set get mget; do
			run "$MCM" memcslap --servers="$MS" -t "$t" -c 4 -e 20000 >>"$d/slap.out" 2>&1; echo "memcslap $t rc=$?"
		done
		run "$MCM" memcslap --servers="$MS" -b -t get -c 4 -e 20000 >>"$d/slap.out" 2>&1; echo "memcslap binary get rc=$?"
	fi
}

# memcached_check SRV_MODE CLI_MODE: a server on its own socket, the session, and a comparison with the kernel's.
memcached_check() {
	local sm=$1 cm=$2 srv d=$O/memcached.$1.$2 src why=""
	local label="memcached session (3000 keys, values to 6 MiB, pipelining, 40 connections, cas, errors), memccp/memccat, memcslap: server $sm, clients $cm"
	rm -rf "$d"; mkdir -p "$d"
	MS=$d/mc.sock MCM=$cm
	local user=(); [ "$(id -u)" = 0 ] && user=(-u root)    # memcached wants -u when run as root
	LIMIT=$((T > 60 ? T : 60)) run "$sm" memcached -s "$MS" -P "$d/mc.pid" -a 0700 "${user[@]}" -m 256 -I 8m -t 4 -c 256 >"$d/server.out" 2>&1 & srv=$!
	if ! wait_listen "$MS"; then stop "$srv"; bad "$label" "server never listened: $(head -c 200 "$d/server.out")"; return; fi
	memcached_session >"$d/transcript" 2>&1
	# How many channels does the server map while a client that made 10 round trips is connected?
	local chans; chans=$(run "$MCM" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
for i in range(10):
    s.sendall(b"version\r\n"); s.recv(100)
print(sum("memfd:udsx (deleted)" in l for l in open("/proc/%s/maps" % sys.argv[2])))' "$MS" "$(cat "$d/mc.pid" 2>/dev/null)" 2>&1)
	# $srv is the shell running run(): signal memcached itself (its pid file), and end the rest if that fails.
	if kill "$(cat "$d/mc.pid" 2>/dev/null)" 2>/dev/null; then wait "$srv"; src=$?; else stop "$srv"; src=$?; fi
	echo "server exit $src" >>"$d/transcript"
	[ -s "$d/server.out" ] && echo "server said: $(head -c 300 "$d/server.out")" >>"$d/transcript"
	sleep 0.2
	local left; left=$(procs_matching "-s $MS " | tr '\n' ' ')
	[ -n "$left" ] && echo "processes left behind: $left" >>"$d/transcript"
	[ "$sm $cm" = "kernel kernel" ] && cp "$d/transcript" "$O/memcached.reference"

	local want
	for want in "done" "rc=0" "server exit 0"; do
		grep -qxF "$want" "$d/transcript" || why="$why${why:+; }no '$want'"
	done
	grep -q 'rc=[^0]' "$d/transcript" && why="$why${why:+; }a client failed: $(grep -m1 'rc=[^0]' "$d/transcript")"
	grep -qxF "memccat: same as the file: 0" "$d/transcript" || ! have memccat || why="$why${why:+; }$(grep -m1 '^memccat: same' "$d/transcript")"
	local ops; ops=$(awk '/Time to .* keys by / { printf "%s%s%s %.0f", n ? ", " : "", n == 3 ? "binary " : "", $3, $4 / $9; n++ }' "$d/slap.out" 2>/dev/null)
	# Both ends under udsx: the connection must have been given a channel (the point of the library).
	[ "$sm $cm" = "udsx udsx" ] && case $chans in ''|*[!0-9]*|0) why="$why${why:+; }no channel in the server after 10 round trips: $(echo "$chans" | tail -n 1)";; esac
	if [ -n "$why" ]; then bad "$label" "$why" "$(grep -E 'Error|Traceback|rror:' "$d/transcript" | head -n 3)"
	elif [ ! -e "$O/memcached.reference" ]; then bad "$label" "no reference: run memcached_check kernel kernel first"
	elif ! cmp -s "$O/memcached.reference" "$d/transcript"; then bad "$label" "differs from the kernel's:" "$(diff "$O/memcached.reference" "$d/transcript" | cut -c1-200 | head -n 6)"
	else ok "$label (memcslap -c 4 -e 20000 ops/s: $ops; channels in the server: $chans)"; fi
}
