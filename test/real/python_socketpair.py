# SPDX-License-Identifier: MIT
# python_socketpair.py -- a real program over socketpairs: multiprocessing.Pipe across fork, and asyncio streams on epoll.
import asyncio
import multiprocessing as mp
import socket


def worker(conn):
    for _ in range(2000):
        x = conn.recv()
        conn.send(x * 2)
    conn.send(b"x" * 300000)      # bigger than the socket buffer
    conn.close()


async def streams():
    s1, s2 = socket.socketpair()
    r1, w1 = await asyncio.open_connection(sock=s1)
    r2, w2 = await asyncio.open_connection(sock=s2)
    for i in range(500):
        w1.write(b"hello %d\n" % i)
        await w1.drain()
        assert await r2.readline() == b"hello %d\n" % i

    async def blast():
        w1.write(b"z" * 1000000)
        await w1.drain()
        w1.close()

    data, _ = await asyncio.gather(r2.read(), blast())
    w2.close()
    return len(data)


if __name__ == "__main__":
    mp.set_start_method("fork")
    a, b = mp.Pipe()
    p = mp.Process(target=worker, args=(b,))
    p.start()
    for i in range(2000):
        a.send(i)
        assert a.recv() == 2 * i
    print("pipe: 2000 round trips, then", len(a.recv()), "bytes")
    p.join()
    print("child exit", p.exitcode)
    print("asyncio: 500 lines, then", asyncio.run(streams()), "bytes to EOF")
