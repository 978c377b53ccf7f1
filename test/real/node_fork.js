// SPDX-License-Identifier: MIT
// node_fork.js -- Node.js child_process.fork() IPC (a socketpair; handles go by SCM_RIGHTS): messages small and
// multi-MiB, a net.Server handed to the child, an accepted net.Socket handed to the child.
// usage: node node_fork.js DIR   (DIR: an empty directory for two pathname sockets)
// env:   NODE_FORK_CHILD_PRELOAD  unset: the child inherits the environment; "-": the child runs without
//        LD_PRELOAD; anything else: the child's LD_PRELOAD
//
// The parent drives every step in order and prints one line per result;
// nothing printed holds a pid, a path or a timing.
'use strict';
const cp = require('child_process');
const crypto = require('crypto');
const net = require('net');
const path = require('path');

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);

function bigString(n, seed) {        // n characters, the same every run
	const parts = [];
	let x = seed;
	for (let i = 0; i < n; i += 64) {
		x = (x * 1103515245 + 12345) >>> 0;
		parts.push(x.toString(36).padEnd(64, '.'));
	}
	return parts.join('').slice(0, n);
}

function bigBuffer(n, seed) {
	const b = Buffer.alloc(n);
	let x = seed >>> 0;
	for (let i = 0; i < n; i++) { x = (x * 1664525 + 1013904223) >>> 0; b[i] = x >>> 24; }
	return b;
}

if (process.argv[2] === 'child') {
	// The child answers each message; a handle it is given it serves.
	let srv = null;
	process.on('message', (m, handle) => {
		if (m.t === 'small') process.send({ t: 'small', i: m.i, sum: sha(m.s) });
		else if (m.t === 'big') process.send({ t: 'big', len: m.s.length, sum: sha(m.s) });
		else if (m.t === 'echo-big') process.send({ t: 'echo-big', s: m.s });
		else if (m.t === 'server') {
			srv = handle;
			srv.on('connection', (c) => {
				const bufs = [];
				c.on('data', (d) => bufs.push(d));
				c.on('end', () => {
					const all = Buffer.concat(bufs);
					c.end(`child served ${all.length} bytes sha ${sha(all)}\n`);
				});
			});
			process.send({ t: 'server', ok: handle instanceof net.Server });
		} else if (m.t === 'socket') {
			// An accepted connection, paused, its bytes all still unread: echo it back, then say how much.
			const c = handle;
			let n = 0;
			const h = crypto.createHash('sha256');
			c.on('data', (d) => { n += d.length; h.update(d); c.write(d); });
			c.on('end', () => {
				c.end();
				process.send({ t: 'socket', n, sum: h.digest('hex').slice(0, 16) });
			});
			c.resume();
		} else if (m.t === 'bye') {
			if (srv) srv.close();
			process.disconnect();
		}
	});
	return;
}

const dir = process.argv[2];
const env = Object.assign({}, process.env);
const pre = process.env.NODE_FORK_CHILD_PRELOAD;
if (pre === '-') delete env.LD_PRELOAD;
else if (pre !== undefined) env.LD_PRELOAD = pre;
const child = cp.fork(__filename, ['child'], { env });
const inbox = [];
let waiter = null;
child.on('message', (m) => { inbox.push(m); if (waiter) { const w = waiter; waiter = null; w(); } });
async function next() {
	while (!inbox.length) await new Promise((res) => { waiter = res; });
	return inbox.shift();
}
const log = (s) => console.log(s);

function talk(addr, data) {  // connect, send all, half-close, collect the answer
	return new Promise((res) => {
		const c = net.connect(addr);
		const bufs = [];
		c.on('data', (d) => bufs.push(d));
		c.on('error', (e) => res('error ' + e.code));
		c.on('close', () => res(Buffer.concat(bufs)));
		c.end(data);
	});
}

(async () => {
	// 1. 300 small messages, one at a time, then 300 in flight at once
	let bad = 0;
	for (let i = 0; i < 300; i++) {
		const s = bigString(1 + (i * 37) % 500, i);
		child.send({ t: 'small', i, s });
		const m = await next();
		if (m.i !== i || m.sum !== sha(s)) bad++;
	}
	log(`small one at a time: 300, bad ${bad}`);
	const sent = [];
	for (let i = 0; i < 300; i++) { sent.push(bigString(1 + (i * 53) % 900, 1000 + i)); child.send({ t: 'small', i, s: sent[i] }); }
	bad = 0;
	for (let i = 0; i < 300; i++) { const m = await next(); if (m.i !== i || m.sum !== sha(sent[i])) bad++; }
	log(`small in flight: 300, bad ${bad}`);
	// 2. multi-MiB messages each way
	for (const mb of [1, 3, 8]) {
		const s = bigString((mb << 20) + 17, mb);
		child.send({ t: 'big', s });
		const m = await next();
		log(`big ${mb} MiB to the child: len ${m.len} same ${m.sum === sha(s)}`);
	}
	const e = bigString((5 << 20) + 3, 5);
	child.send({ t: 'echo-big', s: e });
	const em = await next();
	log(`big 5 MiB echoed by the child: same ${em.s === e}`);
	// 3. a net.Server handed to the child: the parent closes its own, then connects three times
	// (an abstract name: closing a server on a path unlinks the path)
	const a1 = '\0udsx-real-node-fork-' + process.pid;
	const srv = net.createServer(() => log('parent accepted a connection (should not)'));
	await new Promise((res) => srv.listen(a1, res));
	child.send({ t: 'server' }, srv);
	log(`server handed over: ${(await next()).ok}`);
	await new Promise((res) => srv.close(res));
	for (const n of [10, 70000, 3 << 20]) {
		const r = await talk(a1, bigBuffer(n, n));
		log(`via the child's server, ${n} bytes: ${r.toString().trim()} (want sha ${sha(bigBuffer(n, n))})`);
	}
	// 4. an accepted socket handed to the child before it was read
	const a2 = path.join(dir, 'fork-sock.sock');
	const srv2 = net.createServer({ pauseOnConnect: true }, (c) => child.send({ t: 'socket' }, c));
	await new Promise((res) => srv2.listen(a2, res));
	const data = bigBuffer((2 << 20) + 5, 7);
	const back = await talk(a2, data);
	const m = await next();
	log(`socket handed to the child: it read ${m.n} bytes sha ${m.sum}; echoed back ${back.length} bytes, same ${Buffer.isBuffer(back) && back.equals(data)}`);
	srv2.close();
	// 5. goodbye
	child.send({ t: 'bye' });
	child.on('exit', (code, sig) => { log(`child exit ${code} ${sig}`); log('done'); });
})().catch((e) => { log('exception ' + e); process.exit(1); });
