# SPDX-License-Identifier: MIT
# nginx.sh -- run-real.sh's nginx checks: nginx (a master and two workers: fork, epoll, accept4, sendfile,
# writev) on a unix socket, serving static files and proxying to a Python upstream on another unix socket;
# curl clients (one-shot, keep-alive, sequential, parallel, large POSTs).
# Sourced by test/run-real.sh, which provides O, T, run, wait_listen, stop, ok, bad, skp, have, make_data.
#
# nginx_check SRV_MODE CLI_MODE: nginx and its upstream run in SRV_MODE, every curl in CLI_MODE. The
# transcript (bodies as sha256, headers without Date, exit statuses, error-log counts) must hold the
# expected values and, once the kernel-kernel check has run, equal its transcript byte for byte.
# A check takes ~4 s; each curl is bounded by 8 s (the parallel ones by 6 s), the servers by 25 s, so a
# check that stalls ends within ~20 s.

# The inputs, made once: a document root (a small file and a 20 MiB one, the same bytes every run), the
# upstream program, and the expected sums.
nginx_inputs() {
	[ -n "${NGX_GEN:-}" ] && [ -s "$O/nginx.www/big.bin" ] && return
	mkdir -p "$O/nginx.www"
	printf 'hello from nginx\n' >"$O/nginx.www/small.txt"
	make_data "$O/nginx.www/big.bin" 20
	# fixed times: Last-Modified and ETag are part of the transcript
	touch -d '2020-01-01 00:00:00 UTC' "$O/nginx.www/small.txt" "$O/nginx.www/big.bin"
	NGX_BIG=$(sha256sum <"$O/nginx.www/big.bin" | cut -d' ' -f1)
	cat >"$O/nginx_up.py" <<'EOF'
# the upstream: GET /gen?N answers N deterministic bytes, POST answers the body's length and sha256,
# anything else a line naming the path; HTTP/1.1 with keep-alive, a thread per connection
import hashlib, os, socketserver, sys
from http.server import BaseHTTPRequestHandler

BLK = hashlib.sha256(b"seed").digest() * 2048   # 64 KiB

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "up"
    sys_version = ""
    def log_message(self, *a): pass
    def address_string(self): return "unix"
    def date_time_string(self, t=None): return "-"
    def reply(self, body, ctype="text/plain"):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path.startswith("/gen?"):
            n = int(self.path[5:])
            self.reply((BLK * (n // len(BLK) + 1))[:n], "application/octet-stream")
        else:
            self.reply(("upstream saw %s\n" % self.path).encode())
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        h = hashlib.sha256(); left = n
        while left:
            b = self.rfile.read(min(left, 1 << 16))
            if not b: break
            h.update(b); left -= len(b)
        self.reply(("posted %d bytes sha256 %s\n" % (n - left, h.hexdigest())).encode())

class S(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    request_queue_size = 128   # (the default 5 makes nginx's parallel connects fail with EAGAIN: a 502)

try: os.unlink(sys.argv[1])
except FileNotFoundError: pass
S(sys.argv[1], H).serve_forever()
EOF
	# what /gen?N must answer, for the N used below
	NGX_GEN=$(python3 - <<'EOF'
import hashlib
blk = hashlib.sha256(b"seed").digest() * 2048
def gen(n): return (blk * (n // len(blk) + 1))[:n]
print(hashlib.sha256(gen(20000000)).hexdigest())
print(hashlib.sha256(b"".join(gen(i * 50000) for i in range(1, 41))).hexdigest())
EOF
)
}

nginx_conf() { # nginx_conf DIR: an instance of our own in DIR, never the packaged one
	local d=$1
	mkdir -p "$d/logs" "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
worker_processes 2;
pid $d/nginx.pid;
error_log $d/logs/error.log info;
events { worker_connections 256; }
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    sendfile on;
    keepalive_timeout 30;
    server_tokens off;
    default_type application/octet-stream;
    client_max_body_size 100m;
    upstream upk { server unix:$d/up.sock; keepalive 4; }
    server {
        listen unix:$d/ngx.sock;
        root $O/nginx.www;
        location /up/   { proxy_pass http://unix:$d/up.sock:/; }
        location /upnb/ { proxy_pass http://unix:$d/up.sock:/; proxy_buffering off; proxy_request_buffering off; }
        location /upk/  { proxy_pass http://upk/; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
EOF
	# (started as root, the workers would run as nobody, who may not connect to the upstream's socket:
	# made 0755 by root. Keep them root.)
	if [ "$(id -u)" = 0 ]; then sed -i '1i user root;' "$d/nginx.conf"; fi
}

# nginx_session: what the clients see, into stdout.
nginx_session() {
	local c=(run "$NCM" curl -sS --unix-socket "$d/ngx.sock") i p ps=() round
	local big=$O/nginx.www/big.bin
	echo "== static"
	LIMIT=8 "${c[@]}" http://x/small.txt; echo "rc=$?"
	LIMIT=8 "${c[@]}" http://x/big.bin | sha256sum; echo "rc=${PIPESTATUS[0]}"
	LIMIT=8 "${c[@]}" -D - -o /dev/null http://x/big.bin | tr -d '\r' | grep -v '^Date:'; echo "rc=${PIPESTATUS[0]}"
	LIMIT=8 "${c[@]}" -D - -o /dev/null http://x/nosuch | tr -d '\r' | grep -v '^Date:'; echo "rc=${PIPESTATUS[0]}"
	echo "== keep-alive: 6 URLs in one curl"
	LIMIT=8 "${c[@]}" -w '%{http_code} %{size_download} %{num_connects}\n' -o /dev/null -o /dev/null -o /dev/null \
		-o /dev/null -o /dev/null -o /dev/null http://x/small.txt http://x/big.bin http://x/up/a http://x/small.txt \
		http://x/upk/b http://x/big.bin; echo "rc=$?"
	echo "== 60 sequential requests, a reload (SIGHUP) in the middle"
	for i in $(seq 60); do
		[ "$i" = 30 ] && kill -HUP "$(cat "$d/nginx.pid")"
		LIMIT=8 "${c[@]}" http://x/small.txt http://x/up/seq$i || echo "request $i: rc=$?"
	done | sort | uniq -c
	echo "== 8 parallel downloads of big.bin"
	for i in $(seq 8); do LIMIT=8 "${c[@]}" http://x/big.bin -o "$d/par.$i" & ps+=("$!"); done
	for p in "${ps[@]}"; do wait "$p" || echo "a parallel download: rc=$?"; done
	for i in $(seq 8); do sha256sum <"$d/par.$i"; done | sort | uniq -c; rm -f "$d"/par.*
	echo "== proxied"
	LIMIT=8 "${c[@]}" http://x/up/hello; echo "rc=$?"
	LIMIT=8 "${c[@]}" http://x/up/gen?20000000 | sha256sum; echo "rc=${PIPESTATUS[0]}"
	LIMIT=8 "${c[@]}" http://x/upnb/gen?20000000 | sha256sum; echo "rc=${PIPESTATUS[0]}"
	echo "== 20 MiB POSTs (buffered: from a temporary file with sendfile; unbuffered: streamed)"
	LIMIT=8 "${c[@]}" --data-binary @"$big" http://x/up/post; echo "rc=$?"
	LIMIT=8 "${c[@]}" --data-binary @"$big" http://x/upnb/post; echo "rc=$?"
	echo "== upstream keep-alive: 30 requests in one curl, then 40 with 8 in parallel"
	LIMIT=8 "${c[@]}" $(for i in $(seq 30); do echo "http://x/upk/k$i"; done) | sha256sum; echo "rc=${PIPESTATUS[0]}"
	for round in 1 2; do
		mkdir -p "$d/par"
		# (-Z draws its progress meter even with -s: stderr aside, its error lines kept)
		LIMIT=6 "${c[@]}" -Z --parallel-max 8 \
			$(for i in $(seq 40); do echo "http://x/upk/gen?$((i * 50000)) -o $d/par/$i"; done) 2>"$d/par.err"
		echo "rc=$?"; tr '\r' '\n' <"$d/par.err" | grep '^curl:'
		for i in $(seq 40); do cat "$d/par/$i" 2>/dev/null; done | sha256sum; rm -rf "$d/par" "$d/par.err"
	done
	LIMIT=8 "${c[@]}" --data-binary @"$big" http://x/upk/post http://x/upk/after-post; echo "rc=$?"
}

nginx_check() {
	local sm=$1 cm=$2 d=$O/nginx.$1.$2 up ngx why="" want left n
	local label="nginx: static, proxied, keep-alive, parallel, 20 MiB GETs and POSTs, reload: server $sm, clients $cm"
	have nginx && have curl && have python3 || { skp "$label" "nginx, curl or python3 is not installed"; return; }
	nginx_inputs
	rm -rf "$d"; mkdir -p "$d"
	nginx_conf "$d"
	LIMIT=25 run "$sm" python3 "$O/nginx_up.py" "$d/up.sock" >"$d/up.out" 2>&1 & up=$!
	LIMIT=25 run "$sm" nginx -c "$d/nginx.conf" -p "$d/" -e "$d/logs/error.log" -g 'daemon off;' >"$d/nginx.out" 2>&1 & ngx=$!
	if ! wait_listen "$d/up.sock" || ! wait_listen "$d/ngx.sock"; then
		kill -QUIT "$(cat "$d/nginx.pid" 2>/dev/null)" 2>/dev/null; stop "$up"; stop "$ngx"
		bad "$label" "servers never listened: $(tail -n 3 "$d/logs/error.log" "$d/up.out" 2>/dev/null)"; return
	fi
	NCM=$cm nginx_session >"$d/transcript" 2>&1
	kill -QUIT "$(cat "$d/nginx.pid")"; wait "$ngx"; echo "== nginx exit $?" >>"$d/transcript"
	stop "$up"	# (it runs until stopped)
	{
		echo "== error log: $(grep -E '\[(error|crit|alert|emerg)\]' "$d/logs/error.log" | grep -v -c '/nosuch" failed') errors"
		echo "== nginx stderr: $(wc -c <"$d/nginx.out") bytes, upstream stderr: $(grep -v -c -x -e Terminated "$d/up.out") lines"
	} >>"$d/transcript"
	left=$(procs_matching "$d/" | wc -l)
	[ "$sm $cm" = "kernel kernel" ] && cp "$d/transcript" "$O/nginx.reference"

	for want in "hello from nginx" "$NGX_BIG  -" "$(sed -n 1p <<<"$NGX_GEN")  -" \
		"      8 $NGX_BIG  -" "     60 hello from nginx" "posted 20971520 bytes sha256 $NGX_BIG" "== nginx exit 0" \
		"== error log: 0 errors" "== nginx stderr: 0 bytes, upstream stderr: 0 lines"; do
		grep -qxF -- "$want" "$d/transcript" || why="$why${why:+; }no '$want'"
	done
	n=$(grep -cxF -- "$(sed -n 2p <<<"$NGX_GEN")  -" "$d/transcript")
	[ "$n" = 2 ] || why="$why${why:+; }$n of 2 rounds of 40 parallel upstream keep-alive requests right"
	grep -q '^rc=[^0]\|: rc=' "$d/transcript" &&
		why="$why${why:+; }a client failed: $(awk '/^== / { s = $0 } /^rc=[^0]|: rc=/ { print s ": " $0; exit }' "$d/transcript")"
	[ "$left" = 0 ] || why="$why${why:+; }$left processes left behind"
	if [ -n "$why" ]; then bad "$label" "$why"
	elif [ -e "$O/nginx.reference" ] && ! cmp -s "$O/nginx.reference" "$d/transcript"; then
		bad "$label" "differs from the kernel's:" "$(diff "$O/nginx.reference" "$d/transcript" | head -n 6)"
	else ok "$label"; fi
}
