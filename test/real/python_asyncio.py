# SPDX-License-Identifier: MIT
# python_asyncio.py -- a real program on epoll: asyncio.start_unix_server / open_unix_connection, pathname and abstract.
# usage: python3 python_asyncio.py DIR   (DIR: an empty directory for the pathname sockets)
#
# Output holds no pid, path or timing, so kernel and udsx transcripts compare byte for byte.
import asyncio
import hashlib
import os
import random
import sys

DIR = sys.argv[1]
TAG = "udsx-real-%d-" % os.getpid()   # abstract names must not clash with a concurrent run
CLIENTS = 16


def blob(seed, n):
    return random.Random(seed).randbytes(n)


def sha(b):
    return hashlib.sha256(b).hexdigest()[:16]


async def handle(reader, writer):
    """Per connection: echo lines upper-cased until "big N", then take N bytes, answer their digest and 2 MiB."""
    while True:
        line = await reader.readline()
        if line.startswith(b"big "):
            break
        writer.write(line.upper())
        await writer.drain()
    n = int(line.split()[1])
    data = await reader.readexactly(n)
    writer.write(b"%s\n" % sha(data).encode())
    writer.write(blob(n, 2 << 20))     # far more than the socket buffer: drain() must wait for the reader
    await writer.drain()
    rest = await reader.read()         # the client's write_eof()
    writer.write(b"eof after %d\n" % len(rest))
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def client(addr, i):
    reader, writer = await asyncio.open_unix_connection(addr)
    h = hashlib.sha256()
    for k in range(200):
        writer.write(b"client %d line %d\n" % (i, k))
        await writer.drain()
        h.update(await reader.readline())
    n = 100000 + 37 * i
    data = blob(i, n)
    writer.write(b"big %d\n" % n + data)
    await writer.drain()
    ok = (await reader.readline()).strip() == sha(data).encode()
    big = await reader.readexactly(2 << 20)
    writer.write(b"tail")
    writer.write_eof()
    last = await reader.readline()
    end = await reader.read()
    writer.close()
    await writer.wait_closed()
    return "%s digest %s big %s %s eof %r" % (h.hexdigest()[:16], ok, sha(big), big == blob(n, 2 << 20), last + end)


async def run(label, addr):
    server = await asyncio.start_unix_server(handle, addr)
    async with server:
        results = await asyncio.gather(*(client(addr, i) for i in range(CLIENTS)))
    for i, r in enumerate(results):
        print(label, "client", i, r)


async def refused(label, addr):
    try:
        await asyncio.open_unix_connection(addr)
        print(label, "connect after close: connected")
    except OSError as e:
        print(label, "connect after close:", type(e).__name__)


if __name__ == "__main__":
    for label, addr in (("asyncio path:", os.path.join(DIR, "srv.sock")), ("asyncio abstract:", "\0" + TAG + "srv")):
        asyncio.run(run(label, addr))
        asyncio.run(refused(label, addr))
    print("done")
