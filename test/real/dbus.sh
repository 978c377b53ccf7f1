# SPDX-License-Identifier: MIT
# dbus.sh -- run-real.sh's D-Bus checks: a private dbus-daemon on a pathname or abstract address with dbus-send, gdbus
# and a python3-dbus service and client (large arguments, Unix fds both ways, signals, credentials), and peer-to-peer
# D-Bus without a daemon.
# Sourced by test/run-real.sh, which provides O, T, run, wait_listen, stop, ok, bad, skp, have.
#
# "server" is dbus-daemon and the test service (or the peer-to-peer server);
# "client" is every other program. dbus-daemon registers each connection with
# epoll as EPOLLET with no events while it is disabled, then level-triggered:
# the connection keeps its channel (b_epoll_placeholder).
# Normalised: dbus-send's timestamps, the daemon's pid in its log, the bus GUID.
# python3-dbus is a Debian package: /usr/bin/python3, not whatever python3 is first in PATH.

DBUS_PY=/usr/bin/python3

dbus_setup() {
	[ -e "$O/dbus_svc.py" ] && return
	cat >"$O/dbus_common.py" <<'PYEOF'
# What the bus service (dbus_svc.py) and the peer-to-peer server (dbus_p2p.py) both export:
# Echo, and Unix fds in and out; and the Echo payloads their clients send.
import os, hashlib, dbus, dbus.service

IFACE = "org.udsx.Test"

def payload(i):
    """Call i's Echo argument: every 10th up to ~1 MiB, the rest under 4 KiB."""
    n = (i * 7919) % (1 << 20) if i % 10 == 0 else (i * 37) % 4096
    return bytes((j * 131 + i) & 255 for j in range(n % 512)) * (n // 512 + 1)

class Common(dbus.service.Object):
    @dbus.service.method(IFACE, in_signature="ay", out_signature="ay", byte_arrays=True)
    def Echo(self, b):
        return dbus.ByteArray(bytes(b)[::-1])

    @dbus.service.method(IFACE, in_signature="h", out_signature="s")
    def ReadFd(self, fd):
        """Read a passed fd to its end: its length and sha256."""
        n = fd.take()
        data = b""
        while True:
            c = os.read(n, 65536)
            if not c:
                break
            data += c
        os.close(n)
        return "%d bytes sha256 %s" % (len(data), hashlib.sha256(data).hexdigest())

    @dbus.service.method(IFACE, in_signature="u", out_signature="h")
    def MakeFd(self, n):
        """A pipe's read end holding n bytes, to pass back."""
        r, w = os.pipe()
        os.write(w, b"x" * n)
        os.close(w)
        ufd = dbus.types.UnixFd(r)
        os.close(r)
        return ufd
PYEOF
	cat >"$O/dbus_svc.py" <<'PYEOF'
#!/usr/bin/python3
# A D-Bus test service: echoes and digests large arguments, reads Unix fd arguments, hands fds out.
import os, sys, hashlib, dbus, dbus.service, dbus.mainloop.glib
from gi.repository import GLib
from dbus_common import IFACE, Common

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])

class Svc(Common):
    @dbus.service.method(IFACE, in_signature="s", out_signature="s")
    def Digest(self, s):
        return hashlib.sha256(s.encode()).hexdigest()

    @dbus.service.method(IFACE, in_signature="a{sv}", out_signature="as")
    def Keys(self, d):
        return sorted(str(k) + "=" + str(v) for k, v in d.items())

    @dbus.service.method(IFACE, in_signature="", out_signature="")
    def Emit(self):
        for i in range(50):
            self.Tick(i, "tick-%d" % i * 10)

    @dbus.service.signal(IFACE, signature="us")
    def Tick(self, i, s):
        pass

    @dbus.service.method(IFACE, in_signature="", out_signature="u")
    def Pid(self):
        return os.getpid()

    @dbus.service.method(IFACE, in_signature="", out_signature="")
    def Quit(self):
        GLib.idle_add(loop.quit)

name = dbus.service.BusName("org.udsx.Test", bus)
Svc(bus, "/org/udsx/Test")
loop = GLib.MainLoop()
print("ready", flush=True)
loop.run()
print("svc done", flush=True)
PYEOF
	cat >"$O/dbus_cli.py" <<'PYEOF'
#!/usr/bin/python3
# A D-Bus test client: many calls with large arguments, Unix fds both ways, signals; a deterministic transcript.
import os, sys, hashlib, dbus, dbus.mainloop.glib
from gi.repository import GLib
from dbus_common import payload

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
obj = bus.get_object("org.udsx.Test", "/org/udsx/Test")
t = dbus.Interface(obj, "org.udsx.Test")
ncalls = int(sys.argv[2]) if len(sys.argv) > 2 else 300

# many calls with growing byte arrays (up to ~1 MiB)
h = hashlib.sha256()
for i in range(ncalls):
    b = payload(i)
    r = t.Echo(dbus.ByteArray(b), byte_arrays=True)
    if bytes(r) != b[::-1]:
        print("Echo mismatch at", i, len(b), len(r))
    h.update(bytes(r))
print("echo", ncalls, h.hexdigest())

# strings
for n in (0, 1, 100, 10000, 300000):
    s = "".join(chr(0x41 + (k % 26)) for k in range(n))
    print("digest", n, t.Digest(s))
print("keys", list(t.Keys({"a": dbus.Int32(1), "b": "two", "c": dbus.Array([1, 2, 3], signature="i")})))

# Unix fds, client -> service
for n in (0, 5, 60000):
    r, w = os.pipe()
    os.write(w, b"y" * n)
    os.close(w)
    print("readfd", n, t.ReadFd(dbus.types.UnixFd(r)))
    os.close(r)
with open("/etc/os-release", "rb") as f:
    print("readfd file", t.ReadFd(dbus.types.UnixFd(f.fileno())))
# service -> client
for n in (1, 4096):
    ufd = t.MakeFd(n)
    fd = ufd.take()
    data = os.read(fd, 1 << 20)
    os.close(fd)
    print("makefd", n, len(data), data[:3])

# signals
got = []
loop = GLib.MainLoop()
def on_tick(i, s):
    got.append((int(i), str(s)))
    if len(got) == 50:
        loop.quit()
bus.add_signal_receiver(on_tick, "Tick", "org.udsx.Test", None, "/org/udsx/Test")
t.Emit()
GLib.timeout_add(10000, loop.quit)
loop.run()
print("signals", len(got), hashlib.sha256(repr(got).encode()).hexdigest())

# errors
try:
    t.NoSuch()
except dbus.DBusException as e:
    print("error", e.get_dbus_name())
try:
    bus.get_object("org.udsx.Nobody", "/").Ping(dbus_interface="org.freedesktop.DBus.Peer")
except dbus.DBusException as e:
    print("error", e.get_dbus_name())
d = dbus.Interface(bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"), "org.freedesktop.DBus")
print("unixuser", d.GetConnectionUnixUser("org.udsx.Test"))
cred = d.GetConnectionCredentials("org.udsx.Test")
spid = int(t.Pid())
print("creds keys", sorted(str(k) for k in cred.keys()), "uid", cred["UnixUserID"],
      "pid is the service's:", int(cred["ProcessID"]) == spid == int(d.GetConnectionUnixProcessID("org.udsx.Test")))
own = d.GetConnectionCredentials(bus.get_unique_name())
print("own pid is ours:", int(own["ProcessID"]) == os.getpid())
print("names", sorted(str(n) for n in d.ListNames() if not n.startswith(":")))
t.Quit()
print("done")
PYEOF
	cat >"$O/dbus_gio.py" <<'PYEOF'
#!/usr/bin/python3
# Peer-to-peer D-Bus with GDBus (Gio): gio_p2p.py server ADDRESS | gio_p2p.py client ADDRESS N [quit]
# GDBus authenticates with SCM_CREDENTIALS (client) and SO_PASSCRED (server).
import os, sys, hashlib
from gi.repository import Gio, GLib

XML = """<node><interface name='org.udsx.Test'>
<method name='Echo'><arg type='ay' direction='in'/><arg type='ay' direction='out'/></method>
<method name='ReadFd'><arg type='h' direction='in'/><arg type='s' direction='out'/></method>
<method name='MakeFd'><arg type='u' direction='in'/><arg type='h' direction='out'/></method>
<method name='Creds'><arg type='s' direction='out'/></method>
<method name='Quit'/>
</interface></node>"""
mode, addr = sys.argv[1], sys.argv[2]
info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]

if mode == "server":
    loop = GLib.MainLoop()
    conns = []

    def on_call(conn, sender, path, iface, method, params, inv):
        if method == "Echo":
            b = params.get_child_value(0).get_data_as_bytes().get_data()
            out = GLib.Variant.new_from_bytes(GLib.VariantType("ay"), GLib.Bytes.new(b[::-1]), True)
            inv.return_value(GLib.Variant.new_tuple(out))
        elif method == "ReadFd":
            fdl = inv.get_message().get_unix_fd_list()
            idx = params.unpack()[0]
            fd = fdl.get(idx)
            data = b""
            while True:
                c = os.read(fd, 65536)
                if not c:
                    break
                data += c
            os.close(fd)
            inv.return_value(GLib.Variant("(s)", ("%d bytes sha256 %s" % (len(data), hashlib.sha256(data).hexdigest()),)))
        elif method == "MakeFd":
            n = params.unpack()[0]
            r, w = os.pipe()
            os.write(w, b"x" * n)
            os.close(w)
            fdl = Gio.UnixFDList.new_from_array([r])
            inv.return_value_with_unix_fd_list(GLib.Variant("(h)", (0,)), fdl)
        elif method == "Creds":
            c = conn.get_peer_credentials()
            inv.return_value(GLib.Variant("(s)", ("uid %d pid-ok %s" % (c.get_unix_user(), c.get_unix_pid() > 0) if c else "no credentials",)))
        elif method == "Quit":
            inv.return_value(None)
            GLib.idle_add(loop.quit)

    def on_new(server, conn):
        conns.append(conn)
        conn.register_object("/t", info, on_call, None, None)
        return True

    guid = Gio.dbus_generate_guid()
    srv = Gio.DBusServer.new_sync(addr, Gio.DBusServerFlags.NONE, guid, None, None)
    srv.connect("new-connection", on_new)
    srv.start()
    print("listening", flush=True)
    loop.run()
    srv.stop()
    print("server done", flush=True)
else:
    n = int(sys.argv[3])
    conn = Gio.DBusConnection.new_for_address_sync(addr, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT, None, None)

    def call(method, args, sig, fdl=None):
        return conn.call_with_unix_fd_list_sync(None, "/t", "org.udsx.Test", method, args, GLib.VariantType(sig),
                                                Gio.DBusCallFlags.NONE, 20000, fdl, None)

    print("creds", call("Creds", None, "(s)")[0].unpack()[0])
    h = hashlib.sha256()
    for i in range(n):
        k = (i * 7919) % (1 << 20) if i % 10 == 0 else (i * 37) % 4096
        b = bytes((j * 131 + i) & 255 for j in range(k % 512)) * (k // 512 + 1)
        arg = GLib.Variant.new_tuple(GLib.Variant.new_from_bytes(GLib.VariantType("ay"), GLib.Bytes.new(b), True))
        r = call("Echo", arg, "(ay)")[0].get_child_value(0).get_data_as_bytes().get_data()
        if r != b[::-1]:
            print("Echo mismatch at", i, len(b), len(r))
        h.update(r)
        if i % 25 == 0:
            rfd, wfd = os.pipe()
            os.write(wfd, b"z" * i)
            os.close(wfd)
            fdl = Gio.UnixFDList.new_from_array([rfd])
            h.update(call("ReadFd", GLib.Variant("(h)", (0,)), "(s)", fdl)[0].unpack()[0].encode())
            v, out = call("MakeFd", GLib.Variant("(u)", (i,)), "(h)")
            fd = out.get(v.unpack()[0])
            h.update(os.read(fd, 65536))
            os.close(fd)
    print("echo+fds", n, h.hexdigest())
    # (not in the transcript) did this connection get a udsx channel?
    if os.environ.get("DBUS_ACCEL"):
        with open("/proc/self/maps") as m, open(os.environ["DBUS_ACCEL"], "a") as f:
            f.write("%d\n" % any(l.rstrip().endswith("/memfd:udsx (deleted)") for l in m))
    if len(sys.argv) > 4 and sys.argv[4] == "quit":
        call("Quit", None, "()")
    conn.close_sync(None)
    print("client done")
PYEOF
	cat >"$O/dbus_p2p.py" <<'PYEOF'
#!/usr/bin/python3
# Peer-to-peer D-Bus (no bus daemon): p2p.py server ADDRESS | p2p.py client ADDRESS N
# The server exports the same methods as svc.py on every connection; the client prints a deterministic transcript.
import os, sys, hashlib, dbus, dbus.service, dbus.server, dbus.connection, dbus.mainloop.glib
from gi.repository import GLib
from dbus_common import IFACE, Common, payload

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
mode, addr = sys.argv[1], sys.argv[2]

if mode == "server":
    loop = GLib.MainLoop()
    conns = []

    class Svc(Common):
        @dbus.service.method(IFACE, in_signature="", out_signature="s")
        def Pid(self):
            return "ok"

        @dbus.service.method(IFACE, in_signature="", out_signature="")
        def Quit(self):
            GLib.idle_add(loop.quit)

    class Srv(dbus.server.Server):
        def connection_added(self, conn):
            conns.append(conn)
            Svc(conn, "/t")

    s = Srv(addr)
    print("listening", flush=True)
    loop.run()
    s.disconnect()
    print("server done", flush=True)
else:
    n = int(sys.argv[3])
    conn = dbus.connection.Connection(addr)
    t = dbus.Interface(conn.get_object(None, "/t"), IFACE)
    print("pid call", t.Pid())
    if os.environ.get("P2P_PAUSE"):
        open(os.environ["P2P_PAUSE"], "w").write(str(os.getpid()))
        import time; time.sleep(float(os.environ.get("P2P_PAUSE_S", "2")))
    h = hashlib.sha256()
    for i in range(n):
        b = payload(i)
        r = t.Echo(dbus.ByteArray(b), byte_arrays=True)
        if bytes(r) != b[::-1]:
            print("Echo mismatch at", i, len(b), len(r))
        h.update(bytes(r))
        if i % 25 == 0:
            # interleave fd passing with the data
            rfd, wfd = os.pipe()
            os.write(wfd, b"z" * i)
            os.close(wfd)
            h.update(t.ReadFd(dbus.types.UnixFd(rfd)).encode())
            os.close(rfd)
            u = t.MakeFd(i)
            fd = u.take()
            h.update(os.read(fd, 65536))
            os.close(fd)
    print("echo+fds", n, h.hexdigest())
    # (not in the transcript) did this connection get a udsx channel?
    if os.environ.get("DBUS_ACCEL"):
        with open("/proc/self/maps") as m, open(os.environ["DBUS_ACCEL"], "a") as f:
            f.write("%d\n" % any(l.rstrip().endswith("/memfd:udsx (deleted)") for l in m))
    if len(sys.argv) > 4 and sys.argv[4] == "quit":
        t.Quit()
    print("client done")
PYEOF
}

# dbus_bus SRV_MODE CLI_MODE DIR ADDRESS LISTEN_NAME: a daemon on ADDRESS and its clients, the transcript on stdout.
dbus_bus() {
	local sm=$1 cm=$2 d=$3 A=$4 name=$5 dpid spid i
	local ds=(dbus-send --bus="$A" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus)
	run "$sm" dbus-daemon --session --address="$A" --nofork --print-address >"$d/daemon.out" 2>"$d/daemon.err" & dpid=$!
	wait_listen "$name" || { stop "$dpid"; echo "daemon never listened: $(head -c 200 "$d/daemon.err")"; return; }
	echo "== dbus-send"
	run "$cm" "${ds[@]}" org.freedesktop.DBus.ListNames; echo "rc=$?"
	run "$cm" "${ds[@]}" org.freedesktop.DBus.GetConnectionUnixUser string:org.freedesktop.DBus; echo "rc=$?"
	run "$cm" "${ds[@]}" org.freedesktop.DBus.NameHasOwner string:org.udsx.Test; echo "rc=$?"
	run "$cm" "${ds[@]}" org.freedesktop.DBus.GetNameOwner string:org.udsx.Nobody; echo "rc=$?"
	run "$cm" "${ds[@]}" org.freedesktop.DBus.Introspect.NoSuch; echo "rc=$?"
	echo "== gdbus"
	run "$cm" gdbus introspect --address "$A" --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus; echo "rc=$?"
	run "$cm" gdbus call --address "$A" --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
		--method org.freedesktop.DBus.GetConnectionUnixUser org.freedesktop.DBus; echo "rc=$?"
	echo "== service and client"
	run "$sm" "$DBUS_PY" "$O/dbus_svc.py" "$A" >"$d/svc.out" 2>&1 & spid=$!
	for i in $(seq 100); do grep -q ready "$d/svc.out" && break; sleep 0.05; done
	run "$cm" "${ds[@]}" org.freedesktop.DBus.NameHasOwner string:org.udsx.Test; echo "rc=$?"
	run "$cm" gdbus introspect --address "$A" --dest org.udsx.Test --object-path /org/udsx/Test; echo "rc=$?"
	run "$cm" gdbus call --address "$A" --dest org.udsx.Test --object-path /org/udsx/Test \
		--method org.udsx.Test.Digest "'hello from gdbus'"; echo "rc=$?"
	run "$cm" dbus-send --bus="$A" --print-reply --dest=org.udsx.Test /org/udsx/Test org.udsx.Test.Keys \
		dict:string:string:"k1","v1","k2","v2"; echo "rc=$?"
	run "$cm" "$DBUS_PY" "$O/dbus_cli.py" "$A" 200; echo "rc=$?"
	wait "$spid"; echo "service rc=$?"; cat "$d/svc.out"
	stop "$dpid"; echo "daemon exit $? after SIGTERM"
	echo "== daemon"
	cat "$d/daemon.err"
	grep -c "^${A//\\/}," "$d/daemon.out"
}

# dbus_p2p SRV_MODE CLI_MODE DIR ADDRESS LISTEN_NAME PY: peer-to-peer D-Bus with PY (dbus_p2p.py: libdbus,
# dbus_gio.py: GDBus, whose client authenticates with SCM_CREDENTIALS), a server and 3 clients one after another, 2 at once.
dbus_p2p() {
	local sm=$1 cm=$2 d=$3 A=$4 name=$5 py=$O/$6 spid i p
	echo "== $6 on ${A%%=*}"
	run "$sm" "$DBUS_PY" "$py" server "$A" >"$d/p2p.out" 2>&1 & spid=$!
	wait_listen "$name" || { stop "$spid"; echo "p2p server never listened: $(head -c 200 "$d/p2p.out")"; return; }
	for i in 1 2 3; do run "$cm" "$DBUS_PY" "$py" client "$A" 150; echo "rc=$?"; done
	p=()
	for i in 1 2; do run "$cm" "$DBUS_PY" "$py" client "$A" 100 >"$d/p2p.$i" 2>&1 & p+=("$!"); done
	for i in 1 2; do wait "${p[$((i - 1))]}"; echo "rc=$?"; cat "$d/p2p.$i"; done
	run "$cm" "$DBUS_PY" "$py" client "$A" 0 quit; echo "rc=$?"
	wait "$spid"; echo "server rc=$?"; cat "$d/p2p.out"
}

# dbus_check SRV_MODE CLI_MODE: the bus, then peer-to-peer, each on a pathname and an abstract address.
dbus_check() {
	local sm=$1 cm=$2 d=$O/dbus.$1.$2 ab=udsx-real-$$-dbus-$1-$2 f
	local l1="dbus-daemon (pathname, abstract) + dbus-send, gdbus, python3-dbus service and client (200 calls to 1 MiB, fds, signals): server $sm, clients $cm"
	local l2="peer-to-peer D-Bus, libdbus and GDBus, pathname and abstract (4 x 6 clients, up to 150 calls, fds both ways): server $sm, clients $cm"
	if ! have dbus-daemon || ! have dbus-send || ! have gdbus || ! "$DBUS_PY" -c 'import dbus, gi' 2>/dev/null; then
		skp "dbus" "dbus-daemon, dbus-send, gdbus or python3-dbus/python3-gi is not installed"; return
	fi
	dbus_setup
	if [ ! -e "$O/dbus.bus.reference" ] && [ "$sm $cm" != "kernel kernel" ]; then
		dbus_check kernel kernel >/dev/null
	fi
	rm -rf "$d"; mkdir -p "$d"
	local -x DBUS_ACCEL=$d/accel
	{
		LIMIT=${LIMIT:-20} dbus_bus "$sm" "$cm" "$d" "unix:path=$d/bus" "$d/bus"
		LIMIT=${LIMIT:-20} dbus_bus "$sm" "$cm" "$d" "unix:abstract=$ab-bus" "@$ab-bus"
	} >"$d/bus.transcript" 2>&1
	{
		LIMIT=${LIMIT:-20} dbus_p2p "$sm" "$cm" "$d" "unix:path=$d/p2p" "$d/p2p" dbus_p2p.py
		LIMIT=${LIMIT:-20} dbus_p2p "$sm" "$cm" "$d" "unix:abstract=$ab" "@$ab" dbus_p2p.py
		LIMIT=${LIMIT:-20} dbus_p2p "$sm" "$cm" "$d" "unix:path=$d/gio" "$d/gio" dbus_gio.py
		LIMIT=${LIMIT:-20} dbus_p2p "$sm" "$cm" "$d" "unix:abstract=$ab-gio" "@$ab-gio" dbus_gio.py
	} >"$d/p2p.transcript" 2>&1
	sed -i -e "s|$d|DIR|g; s|$ab|ABSTRACT|g; s/ time=[0-9.]* / time=T /" \
		-e 's/^dbus-daemon\[[0-9]*\]: \[session uid=\([0-9]*\) pid=[0-9]*\]/dbus-daemon[PID]: [session uid=\1 pid=PID]/' \
		-e 's/guid=[0-9a-f]*/guid=GUID/g' "$d/bus.transcript" "$d/p2p.transcript"
	if [ "$sm $cm" = "kernel kernel" ]; then
		cp "$d/bus.transcript" "$O/dbus.bus.reference"; cp "$d/p2p.transcript" "$O/dbus.p2p.reference"
	fi
	for f in bus p2p; do
		local label=$l1 want=2
		[ $f = p2p ] && label=$l2 want=24
		if [ "$(grep -c '^client done$\|^done$' "$d/$f.transcript")" != "$want" ]; then
			bad "$label" "a client did not finish" "$(grep -v '^rc=0$' "$d/$f.transcript" | tail -n 4)"
		elif ! cmp -s "$O/dbus.$f.reference" "$d/$f.transcript"; then
			bad "$label" "differs from the kernel's:" "$(diff "$O/dbus.$f.reference" "$d/$f.transcript" | head -n 6)"
		elif [ $f = p2p ]; then ok "$label (clients with a udsx channel: $(grep -c 1 "$d/accel" 2>/dev/null) of 24)"
		else ok "$label"; fi
	done
}
