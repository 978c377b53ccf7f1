# SPDX-License-Identifier: MIT
# python_subprocess.py -- a real program handing a socket to a child: subprocess.Popen with pass_fds and close_fds (the child closes every other fd, then execs Python) while data is in flight both ways.
# usage: python3 python_subprocess.py DIR   (DIR unused: socketpairs only)
#
# Output holds no pid or timing, so kernel and udsx transcripts compare byte for byte.
import hashlib
import os
import socket
import subprocess
import sys

CHILD = r'''
import hashlib, socket, sys
s = socket.socket(fileno=int(sys.argv[1]))
h = hashlib.sha256(); n = 0
while True:
    d = s.recv(65536)
    if not d:
        break
    h.update(d); n += len(d)
s.sendall(b"%d %s" % (n, h.hexdigest().encode()))
'''


def run(kind, close_fds):
    a, b = socket.socketpair(socket.AF_UNIX, kind)
    data = bytes(range(256)) * 400  # 100 KiB: some of it queued before the child starts
    a.setblocking(False)
    sent = 0
    try:
        while sent < len(data):
            sent += a.send(data[sent:])
    except BlockingIOError:
        pass
    a.setblocking(True)
    if close_fds:
        p = subprocess.Popen([sys.executable, "-c", CHILD, str(b.fileno())],
                             pass_fds=[b.fileno()])
    else:
        os.set_inheritable(b.fileno(), True)
        p = subprocess.Popen([sys.executable, "-c", CHILD, str(b.fileno())], close_fds=False)
    b.close()
    a.sendall(data[sent:])
    a.shutdown(socket.SHUT_WR)
    reply = a.recv(200).decode()
    want = "%d %s" % (len(data), hashlib.sha256(data).hexdigest())
    print("stream close_fds=%s: child read %s, exit %d" % (close_fds, "all" if reply == want else reply, p.wait()))
    a.close()


run(socket.SOCK_STREAM, True)
run(socket.SOCK_STREAM, False)
print("done")
