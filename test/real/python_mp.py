# SPDX-License-Identifier: MIT
# python_mp.py -- a real program across processes: multiprocessing Listener/Client (AF_UNIX), a Manager, and fd passing.
# usage: python3 python_mp.py DIR   (DIR: an empty directory for the pathname sockets)
#
# Output holds no pid, path or timing, so kernel and udsx transcripts compare byte for byte.
import hashlib
import multiprocessing as mp
import os
import random
import socket
import sys
from multiprocessing.connection import Client, Listener
from multiprocessing.reduction import recv_handle, send_handle

DIR = sys.argv[1]
TAG = "udsx-real-%d-" % os.getpid()   # abstract names must not clash with a concurrent run
KEY = b"udsx-real"                    # authkey: both sides run the HMAC challenge over the socket first


def blob(seed, n):
    return random.Random(seed).randbytes(n)


def sha(b):
    return hashlib.sha256(b).hexdigest()[:16]


def worker(addr, i):
    """A Client: objects both ways, then 4 MiB in 1 MiB messages, then a digest of what came back."""
    with Client(addr, family="AF_UNIX", authkey=KEY) as c:
        for k in range(300):
            c.send({"worker": i, "k": k, "pad": "x" * (k % 50)})
            assert c.recv() == (i, k)
        h = hashlib.sha256()
        for k in range(4):
            c.send_bytes(blob(10 * i + k, 1 << 20))
            h.update(c.recv_bytes())
        c.send(h.hexdigest()[:16])


def listen(label, addr, method):
    ctx = mp.get_context(method)
    with Listener(addr, family="AF_UNIX", authkey=KEY) as srv:
        procs = [ctx.Process(target=worker, args=(addr, i)) for i in range(3)]
        for p in procs:
            p.start()
        conns = [srv.accept() for _ in procs]
        out = {}
        for c in conns:       # each worker waits for our reply, so serving them in turn cannot deadlock
            first = c.recv()
            i = first["worker"]
            c.send((i, 0))
            for k in range(1, 300):
                assert c.recv()["k"] == k
                c.send((i, k))
            h, back = hashlib.sha256(), hashlib.sha256()
            for k in range(4):
                b = c.recv_bytes()
                h.update(b)
                c.send_bytes(b[::-1])
                back.update(b[::-1])
            out[i] = (h.hexdigest()[:16], c.recv() == back.hexdigest()[:16])
            c.close()
        for p in procs:
            p.join()
    for i in sorted(out):
        print(label, method, "worker", i, "sent", out[i][0], "echo digest ok", out[i][1])
    print(label, method, "exit codes", [p.exitcode for p in procs])


def handle_child(addr):
    """Receives a socket and a pipe by fd over a Listener connection, then talks over them."""
    with Client(addr, family="AF_UNIX", authkey=KEY) as c:
        fd = recv_handle(c)
        s = socket.socket(fileno=fd)
        data = blob(77, 3 << 20)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        reply = s.recv(100)
        s.close()
        wfd = recv_handle(c)
        os.write(wfd, b"pipe says %s\n" % reply)
        os.close(wfd)
        c.send("child done")


def pass_handles(label, addr):
    """send_handle/recv_handle over an accepted AF_UNIX connection: a named-socket end, then a pipe end."""
    with Listener(addr, family="AF_UNIX", authkey=KEY) as srv:
        p = mp.get_context("fork").Process(target=handle_child, args=(addr,))
        p.start()
        c = srv.accept()
    # The socket handed over is one end of a named connection made here.
    inner = os.path.join(DIR, "inner.sock")
    lsn = socket.socket(socket.AF_UNIX)
    lsn.bind(inner)
    lsn.listen(1)
    mine = socket.socket(socket.AF_UNIX)
    mine.connect(inner)
    theirs, _ = lsn.accept()
    lsn.close()
    send_handle(c, theirs.fileno(), p.pid)
    theirs.close()
    got = b""
    while True:
        b = mine.recv(1 << 16)
        if not b:
            break
        got += b
    mine.sendall(b"got %d %s" % (len(got), sha(got).encode()))
    mine.close()
    r, w = os.pipe()
    send_handle(c, w, p.pid)
    os.close(w)
    print(label, "socket passed by fd:", len(got), sha(got), "pipe passed by fd:", os.read(r, 100))
    print(label, c.recv(), "exit", (p.join(), p.exitcode)[1])
    c.close()


def fds_child(sock):
    """Receives two connected named sockets with socket.recv_fds and echoes through both."""
    msg, fds, flags, _ = socket.recv_fds(sock, 100, 4)
    a, b = (socket.socket(fileno=fd) for fd in fds)
    for s in (a, b):
        data = b""
        while len(data) < 1 << 20:
            b = s.recv(1 << 16)
            if not b:
                break
            data += b
        s.sendall(hashlib.sha256(data).hexdigest()[:16].encode())
        s.close()
    sock.sendall(b"%s %d fds flags %d" % (msg, len(fds), flags))


def pass_fds(label, addr):
    """socket.send_fds over an abstract connection: the receiver goes on with both passed connections."""
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(addr)
    srv.listen(3)
    carrier = socket.socket(socket.AF_UNIX)
    carrier.connect(addr)
    ours, theirs = [], []
    for _ in range(2):
        s = socket.socket(socket.AF_UNIX)
        s.connect(addr)
        ours.append(s)
    far = srv.accept()[0]
    theirs = [srv.accept()[0] for _ in range(2)]
    srv.close()
    p = mp.get_context("fork").Process(target=fds_child, args=(carrier,))
    p.start()
    for s in ours:
        s.sendall(b"q" * 4000)      # queued before the fds move: must arrive after them, in order
    socket.send_fds(far, [b"two sockets"], [s.fileno() for s in theirs])
    for s in theirs:
        s.close()
    for k, s in enumerate(ours):
        s.sendall(blob(k, (1 << 20) - 4000))
        print(label, "passed socket", k, "digest", s.recv(100), "expected",
              sha(b"q" * 4000 + blob(k, (1 << 20) - 4000)).encode())
        s.close()
    print(label, far.recv(100), "exit", (p.join(), p.exitcode)[1])


def manager(label):
    """A Manager's server process serves proxies over AF_UNIX connections of its own."""
    with mp.get_context("fork").Manager() as m:
        d, lst = m.dict(), m.list()
        procs = [mp.get_context("fork").Process(target=bump, args=(d, lst, i)) for i in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(label, sorted(d.items()), sorted(lst)[:3], len(lst), [p.exitcode for p in procs])


def bump(d, lst, i):
    for k in range(100):
        d["w%d" % i] = k
        lst.append(i * 1000 + k)


if __name__ == "__main__":
    listen("listener path:", os.path.join(DIR, "mp.sock"), "fork")
    listen("listener abstract:", "\0" + TAG + "mp", "fork")
    listen("listener path:", os.path.join(DIR, "mp2.sock"), "spawn")
    pass_handles("send_handle:", os.path.join(DIR, "handles.sock"))
    pass_fds("send_fds:", ("\0" + TAG + "fds").encode())
    manager("manager:")
    print("done")
