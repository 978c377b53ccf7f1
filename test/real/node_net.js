// SPDX-License-Identifier: MIT
// node_net.js -- Node.js net over a pathname or abstract AF_UNIX socket: framed echo and checksum messages, small and multi-MiB.
// usage: node node_net.js server ADDR NCONN   (serves NCONN connections, then prints a summary and exits)
//        node node_net.js client ADDR NCONN   (NCONN concurrent connections)
// ADDR: a path, or @name for the abstract name "\0name".
//
// A frame is [u32 length BE][u8 type][payload]. Types: E echo (the server
// sends the frame back), S sum (the server answers S with the payload's
// sha256), Q quit (the server answers Q with what it received on that
// connection, then ends it). Everything printed is deterministic: sizes,
// counts and checksums, in a fixed order; no pid, path or timing.
'use strict';
const net = require('net');
const crypto = require('crypto');

const [role, addrArg, nArg] = process.argv.slice(2);
const addr = addrArg.startsWith('@') ? '\0' + addrArg.slice(1) : addrArg;
const nconn = parseInt(nArg || '1', 10);

function frame(type, payload) {
	const h = Buffer.alloc(5);
	h.writeUInt32BE(payload.length, 0);
	h[4] = type.charCodeAt(0);
	return Buffer.concat([h, payload]);
}

// A frame parser: feed() chunks, get whole frames through cb(type, payload).
function parser(cb) {
	let bufs = [], have = 0, need = 5;
	return function feed(chunk) {
		bufs.push(chunk);
		have += chunk.length;
		while (have >= need) {       // (joined only when a whole frame is there: no quadratic copying)
			const b = bufs.length === 1 ? bufs[0] : Buffer.concat(bufs, have);
			bufs = [b];
			const len = b.readUInt32BE(0);
			if (have < 5 + len) { need = 5 + len; return; }
			const type = String.fromCharCode(b[4]);
			const payload = b.subarray(5, 5 + len);
			const rest = b.subarray(5 + len);
			bufs = rest.length ? [rest] : [];
			have = rest.length;
			need = 5;
			cb(type, payload);
		}
	};
}

function sha(b) { return crypto.createHash('sha256').update(b).digest('hex'); }

// xorshift32, the same sequence every run
function rng(seed) {
	let x = seed >>> 0 || 1;
	return function (n) {
		x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
		return x % n;
	};
}

function payload(r, len) {
	const b = Buffer.alloc(len);
	let i = 0;
	for (; i + 4 <= len; i += 4) b.writeUInt32LE(r(0x7fffffff), i);
	for (; i < len; i++) b[i] = r(256);
	return b;
}

if (role === 'server') {
	const results = [];
	let done = 0;
	const srv = net.createServer((c) => {
		let frames = 0, bytes = 0;
		const h = crypto.createHash('sha256');
		c.on('data', parser((type, p) => {
			frames++; bytes += p.length; h.update(p);
			if (type === 'E') c.write(frame('E', p));
			else if (type === 'S') c.write(frame('S', Buffer.from(sha(p), 'hex')));
			else if (type === 'Q') {
				const line = `frames ${frames} bytes ${bytes} sha256 ${h.digest('hex')}`;
				results.push(line);
				c.end(frame('Q', Buffer.from(line)));
			}
		}));
		c.on('error', (e) => { results.push('connection error ' + e.code); });
		c.on('close', () => {
			if (++done === nconn) {
				srv.close();
				for (const l of results.sort()) console.log('server: ' + l);
				console.log('server: done');
			}
		});
	});
	srv.on('error', (e) => { console.log('server error ' + e.code); process.exit(1); });
	srv.listen(addr);
} else {
	// Each connection runs its phases in order; lines are printed at the end, by connection number.
	const out = [];
	let finished = 0;
	for (let i = 0; i < nconn; i++) {
		out.push([]);
		const log = (s) => out[i].push(`conn ${i}: ${s}`);
		const r = rng(1000 + i);
		const c = net.connect(addr);
		let want = [];          // expected replies, in order: [type, Buffer-or-null, onReply]
		let bad = 0;
		const expect = (type, body, then) => new Promise((res) => want.push([type, body, (p) => { if (then) then(p); res(); }]));
		c.on('data', parser((type, p) => {
			const w = want.shift();
			if (!w) { bad++; return; }
			if (w[0] !== type || (w[1] && !w[1].equals(p))) bad++;
			w[2](p);
		}));
		c.on('error', (e) => log('error ' + e.code));
		c.on('end', () => log('end from server'));
		const send = (type, p) => c.write(frame(type, p));
		(async () => {
			await new Promise((res) => c.once('connect', res));
			// 1. ping-pong: 500 echo frames of 1..2000 bytes, one at a time
			let n = 0;
			for (let k = 0; k < 500; k++) {
				const p = payload(r, 1 + r(2000));
				n += p.length;
				const got = expect('E', p);
				send('E', p);
				await got;
			}
			log(`ping-pong 500 frames ${n} bytes, mismatches ${bad}`);
			// 2. pipelined: 3000 frames of 1..100 bytes written at once
			let all = [];
			n = 0;
			for (let k = 0; k < 3000; k++) {
				const p = payload(r, 1 + r(100));
				n += p.length;
				all.push(expect('E', p));
				send('E', p);
			}
			await Promise.all(all);
			log(`pipelined 3000 frames ${n} bytes, mismatches ${bad}`);
			// 3. multi-MiB: checksums of 1, 4 and 9 MiB, echoes of 3 and 6 MiB, all in flight together
			all = [];
			for (const mb of [1, 4, 9]) {
				const p = payload(r, (mb << 20) + r(1000));
				all.push(expect('S', Buffer.from(sha(p), 'hex')));
				send('S', p);
			}
			for (const mb of [3, 6]) {
				const p = payload(r, (mb << 20) + r(1000));
				all.push(expect('E', p));
				send('E', p);
			}
			await Promise.all(all);
			log(`large 5 frames, mismatches ${bad}`);
			// 4. quit: the server's account of this connection
			const q = expect('Q', null, (p) => log('server says: ' + p.toString()));
			send('Q', Buffer.alloc(0));
			await q;
			c.end();
		})().catch((e) => log('exception ' + e));
		c.on('close', () => {
			if (++finished === nconn) {
				for (const lines of out) for (const l of lines) console.log(l);
				console.log('client: done');
			}
		});
	}
}
