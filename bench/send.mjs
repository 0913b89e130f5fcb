// send.mjs - send exactly N precomputed requests (bench/benchreq.c's file
// format: the length in decimal, '\n', the raw bytes) over C keep-alive
// connections, each connection one request in flight, and print one line
// "SENT {json}" with the count of each status.  bench/paired.sh uses it
// where a fixed request sequence matters more than a rate: under
// valgrind --tool=callgrind, whose instruction counts do not depend on
// what else the machine runs.
//
//   node send.mjs HOST:PORT FILE N C
import { readFileSync } from "node:fs";
import { connect } from "node:net";

const [hostport, file, nArg, cArg] = process.argv.slice(2);
const [host, port] = hostport.split(":");
const total = Number(nArg), conns = Number(cArg) || 1;

const data = readFileSync(file);
const reqs = [];
for (let pos = 0; pos < data.length;) {
	const nl = data.indexOf(10, pos);
	const len = Number(data.subarray(pos, nl).toString());
	reqs.push(data.subarray(nl + 1, nl + 1 + len));
	pos = nl + 1 + len;
}
if (reqs.length < total) {
	console.error(`send: ${file} holds ${reqs.length} requests, not ${total}`);
	process.exit(1);
}

const status = {};
let next = 0, done = 0;

// One connection: send a request, read its answer (Content-Length
// framing, as the server answers), send the next.
function run() {
	return new Promise((resolve, reject) => {
		const s = connect(Number(port), host);
		let buf = Buffer.alloc(0);
		const send = () => {
			if (next >= total) {
				s.end();
				resolve();
				return;
			}
			s.write(reqs[next++]);
		};
		s.on("connect", send);
		s.on("error", reject);
		s.on("data", (chunk) => {
			buf = Buffer.concat([buf, chunk]);
			for (;;) {
				const end = buf.indexOf("\r\n\r\n");
				if (end < 0)
					return;
				const head = buf.subarray(0, end).toString();
				const m = /\r\ncontent-length: *(\d+)/i.exec(head);
				if (!m) {
					reject(new Error("answer without Content-Length"));
					return;
				}
				const size = end + 4 + Number(m[1]);
				if (buf.length < size)
					return;
				const code = head.split(" ")[1];
				status[code] = (status[code] || 0) + 1;
				done++;
				buf = buf.subarray(size);
				send();
			}
		});
	});
}

await Promise.all(Array.from({ length: conns }, run));
console.log(`SENT ${JSON.stringify({ requests: done, status })}`);
