# SPDX-License-Identifier: MIT
# python_sockets.py -- a real program over named AF_UNIX sockets: STREAM (pathname, abstract; fork, threads), SEQPACKET, connected DGRAM.
# usage: python3 python_sockets.py DIR   (DIR: an empty directory for the pathname sockets)
#
# The output must be the same on the kernel and under udsx, so it holds no
# pid, path or timing: addresses are printed as comparisons, data as sizes
# and checksums, errors as errno names.
import errno
import fcntl
import hashlib
import os
import random
import select
import socket
import struct
import sys
import termios
import threading

DIR = sys.argv[1]
TAG = "udsx-real-%d-" % os.getpid()   # abstract names must not clash with a concurrent run


def path(name):
    return os.path.join(DIR, name)


def abstract(name):
    return ("\0" + TAG + name).encode()   # bytes, as getsockname() and recvfrom() return it


def blob(seed, n):
    return random.Random(seed).randbytes(n)


def sha(b):
    return hashlib.sha256(b).hexdigest()[:16]


def recv_all(s):
    parts = []
    while True:
        b = s.recv(1 << 16)
        if not b:
            return b"".join(parts)
        parts.append(b)


def recv_exact(s, n):
    b = s.recv(n, socket.MSG_WAITALL)
    assert len(b) == n, (len(b), n)
    return b


def err(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]


def child(fn):
    """Run fn in a forked child; its exit status says whether it passed."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if fn() is not False else 1
        except BaseException as e:   # report and exit; never fall back into the parent's code
            print("child:", type(e).__name__, e, file=sys.stderr)
        finally:
            sys.stdout.flush()
            os._exit(code)
    return pid


def reap(pid):
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def stream_fork(label, addr):
    """Three forked clients send 2 MiB each before and after accept; the server answers each in a thread."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(addr)
    srv.listen(8)
    print(label, "listener: SO_ACCEPTCONN", srv.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN),
          "name matches", srv.getsockname() == addr)

    def client(i):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(addr)
        data = blob(100 + i, 2 << 20)
        c.sendall(bytes([i]) + data)
        c.shutdown(socket.SHUT_WR)
        reply = recv_all(c)
        return reply == (sha(data) + "\n").encode() + data[::-1][: 1 << 20] and c.getpeername() == addr

    pids = [child(lambda i=i: client(i)) for i in range(3)]
    results = {}

    def serve(conn, peer):
        me = conn.getsockname() == addr
        cred = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
        data = recv_all(conn)
        i, data = data[0], data[1:]
        conn.sendall((sha(data) + "\n").encode() + data[::-1][: 1 << 20])
        conn.close()
        results[i] = (len(data), sha(data), repr(peer), me, cred[0] in pids, cred[1] == os.getuid())

    threads = []
    for _ in range(3):
        conn, peer = srv.accept()
        t = threading.Thread(target=serve, args=(conn, peer))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    srv.close()
    for i in range(3):
        n, h, peer, me, credpid, creduid = results[i]
        print(label, "client", i, "sent", n, "sha", h, "peer", peer, "sockname", me, "peercred", credpid, creduid)
    print(label, "client exits", [reap(p) for p in pids])


def stream_threads(label, addr):
    """Four client threads, 500 request/response round trips each, against a thread-per-connection server."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(addr)
    srv.listen(4)

    def serve(conn):
        with conn, conn.makefile("rwb") as f:
            for line in f:
                f.write(line.upper())
                f.flush()

    servers = []

    def acceptor():
        for _ in range(4):
            servers.append(threading.Thread(target=serve, args=(srv.accept()[0],)))
            servers[-1].start()

    out = {}

    def client(i):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.connect(addr)
            with c.makefile("rwb") as f:
                h = hashlib.sha256()
                for k in range(500):
                    f.write(b"client %d line %d %s\n" % (i, k, b"x" * (k % 97)))
                    f.flush()
                    h.update(f.readline())
            out[i] = h.hexdigest()[:16]

    a = threading.Thread(target=acceptor)
    a.start()
    cs = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in cs:
        t.start()
    for t in cs:
        t.join()
    a.join()
    for t in servers:      # no thread may be left running at the next fork
        t.join()
    srv.close()
    print(label, "4 threads x 500 round trips:", [out[i] for i in range(4)])


def stream_edges(label, addr):
    """Observable details of one connection: queue sizes, poll, peek, half close, EPIPE, reset, refusal."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    print(label, "connect before bind:", err(lambda: socket.socket(socket.AF_UNIX).connect(addr)))
    srv.bind(addr)
    print(label, "connect before listen:", err(lambda: socket.socket(socket.AF_UNIX).connect(addr)))
    srv.listen(1)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(addr)
    c.send(b"a" * 700)
    c.send(b"b" * 300)      # queued before accept
    conn, _ = srv.accept()
    print(label, "FIONREAD", struct.unpack("i", fcntl.ioctl(conn, termios.FIONREAD, b"\0" * 4))[0],
          "SIOCOUTQ", struct.unpack("i", fcntl.ioctl(c, termios.TIOCOUTQ, b"\0" * 4))[0])
    for s, who in ((c, "client"), (conn, "server")):
        print(label, who, "SO_SNDBUF", s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
              "SO_RCVBUF", s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
              "SO_TYPE", s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE))
    p = select.poll()
    p.register(conn, select.POLLIN | select.POLLOUT)
    p.register(c, select.POLLIN | select.POLLOUT)
    print(label, "poll", sorted((fd == c.fileno(), ev) for fd, ev in p.poll(0)))
    print(label, "peek", conn.recv(10, socket.MSG_PEEK), "then", len(recv_exact(conn, 1000)))
    conn.setblocking(False)
    print(label, "empty nonblocking recv:", err(lambda: conn.recv(10)))
    conn.setblocking(True)
    c.shutdown(socket.SHUT_WR)
    print(label, "after SHUT_WR: recv", conn.recv(10), "poll", sorted(ev for _, ev in p.poll(0)))
    conn.sendall(b"late reply")
    print(label, "half-closed client still reads", c.recv(100))
    conn.close()
    print(label, "after peer close: recv", c.recv(10), "send", err(lambda: c.send(b"x")))
    c.close()

    # Two pending connections fit a backlog of 1; a third non-blocking one fails.
    pend = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(3)]
    for s in pend:
        s.setblocking(False)
    print(label, "non-blocking connects, backlog 1:", [err(lambda s=s: s.connect(addr)) for s in pend])
    pend[0].setblocking(True)
    pend[0].sendall(b"unaccepted")
    srv.close()     # pending connections are reset, with or without data queued
    print(label, "listener closed: pending recv", err(lambda: pend[0].recv(10)), err(lambda: pend[1].recv(10)))
    for s in pend:
        s.close()
    if isinstance(addr, str):
        print(label, "connect to a closed listener:", err(lambda: socket.socket(socket.AF_UNIX).connect(addr)))
        os.unlink(addr)
    print(label, "connect to nothing:", err(lambda: socket.socket(socket.AF_UNIX).connect(addr)))


def stream_fork_shared(label, addr):
    """A connection shared across fork: the child writes, exits, then the parent writes; order is kept."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(addr)
    srv.listen(1)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(addr)
    conn, _ = srv.accept()
    srv.close()
    first, second = blob(7, 3 << 20), blob(8, 1 << 20)
    pid = child(lambda: c.sendall(first))
    got = recv_exact(conn, len(first))
    st = reap(pid)
    t = threading.Thread(target=lambda: (c.sendall(second), c.close()))   # more than the buffer holds
    t.start()
    got += recv_all(conn)
    t.join()
    print(label, "child then parent:", st, len(got), got == first + second, sha(got))
    conn.close()


def seqpacket(label, addr):
    """Message boundaries, truncation and EOF over a SEQPACKET connection from a forked client."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    srv.bind(addr)
    srv.listen(1)
    rng = random.Random(5)
    sizes = [rng.choice((1, 17, 1000, 4096, 30000, 65000)) for _ in range(300)]

    def client():
        c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        c.connect(addr)
        for k, n in enumerate(sizes):
            c.send(blob(k, n))
        c.send(b"0123456789")
        assert c.recv(100) == b"bye"
        c.close()

    pid = child(client)
    conn, _ = srv.accept()
    h, got = hashlib.sha256(), []
    for _ in sizes:
        m = conn.recv(1 << 17)
        got.append(len(m))
        h.update(m)
    m, _, flags, _ = conn.recvmsg(4)
    print(label, "%d messages" % len(got), "sizes match", got == sizes, "sha", h.hexdigest()[:16],
          "short buffer:", m, bool(flags & socket.MSG_TRUNC))
    conn.send(b"bye")
    print(label, "EOF", conn.recv(100), "client exit", reap(pid))
    conn.close()
    srv.close()


def dgram_pair(label, a_addr, b_addr):
    """Two bound DGRAM sockets connected to each other; a third socket is refused; a forked side answers."""
    a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.bind(a_addr)
    b.bind(b_addr)
    a.connect(b_addr)
    b.connect(a_addr)
    third = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    print(label, "stranger sendto:", err(lambda: third.sendto(b"x", a_addr)))
    rng = random.Random(9)
    sizes = [rng.randrange(0, 20000) for _ in range(400)]

    def echo():
        for _ in sizes:
            m, src = b.recvfrom(1 << 16)
            if src != a_addr:
                return False
            b.send(m[::-1])

    pid = child(echo)
    h, ok = hashlib.sha256(), True
    for k, n in enumerate(sizes):
        m = blob(1000 + k, n)
        a.send(m)
        r, src = a.recvfrom(1 << 16)
        ok = ok and r == m[::-1] and src == b_addr
        h.update(r)
    print(label, "%d datagrams echoed" % len(sizes), ok, "sha", h.hexdigest()[:16], "child exit", reap(pid))
    b.close()
    print(label, "peer closed: send", err(lambda: a.send(b"x")))
    a.close()
    third.close()


if __name__ == "__main__":
    stream_fork("stream path:", path("fork.sock"))
    stream_fork("stream abstract:", abstract("fork"))
    stream_threads("stream path:", path("threads.sock"))
    stream_threads("stream abstract:", abstract("threads"))
    stream_edges("stream path:", path("edges.sock"))
    stream_edges("stream abstract:", abstract("edges"))
    stream_fork_shared("stream path:", path("shared.sock"))
    seqpacket("seqpacket path:", path("seq.sock"))
    seqpacket("seqpacket abstract:", abstract("seq"))
    dgram_pair("dgram path:", path("a.sock"), path("b.sock"))
    dgram_pair("dgram abstract:", abstract("a"), abstract("b"))
    print("done")
