// bench/peers/express/server.js -- the seed spec's own stack, as a peer.
//
// Express + node-postgres + jsonwebtoken, a node:cluster of PEER_WORKERS
// (default 2) processes, worker i listening on 127.0.0.1:PEER_PORT + i;
// bench/run's nginx proxies to them (an upstream of its own port).
// One route, what ThrottleCove's GET /v1/motorcycles does per request:
//
//   * the Bearer token verified (jsonwebtoken, HS256 only, the same
//     secret, issuer "throttlecove", audience "throttlecove-api");
//   * the session checked with one Redis GET of tc:sess:<sid>
//     ("<uid>:<role>", the uid must be the token's sub) -- the seed stack
//     checks the JWT only; the GET is added for a fair comparison;
//   * one PostgreSQL query: the same statement as src/motorcycles/db.c's
//     moto_list (the bikes the user owns or is shared, newest first, at
//     most limit + 1), the same JSON: {"data": [bike + "vin_info"],
//     "next_cursor": null} (the seeded bikes have no VIN: vin_info null;
//     VIN decoding and the cursor are not ported: the bench never pages).
//
// Environment: PEER_PORT (28094), PEER_WORKERS (2), PG_HOST (the socket
// directory), PG_DATABASE/PG_USER (throttlecove), PG_POOL (per process,
// default 4), REDIS_SOCK, JWT_SECRET.
'use strict';

const cluster = require('node:cluster');

const PORT = parseInt(process.env.PEER_PORT || '28094', 10);
const WORKERS = parseInt(process.env.PEER_WORKERS || '2', 10);

if (cluster.isPrimary) {
	for (let i = 0; i < WORKERS; i++)
		cluster.fork({ PEER_INDEX: String(i) });
	let stopping = false;
	cluster.on('exit', (w, code, sig) => {
		if (!stopping)
			console.error(`peer: worker ${w.process.pid} died (${sig || code})`);
	});
	const stop = () => {
		stopping = true;
		for (const id in cluster.workers)
			cluster.workers[id].kill('SIGTERM');
		setTimeout(() => process.exit(0), 500).unref();
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
	return;
}

const express = require('express');
const jwt = require('jsonwebtoken');
const { Pool } = require('pg');
const { createClient } = require('redis');

const SECRET = process.env.JWT_SECRET;
if (!SECRET) {
	console.error('peer: JWT_SECRET is not set');
	process.exit(2);
}

const pool = new Pool({
	host: process.env.PG_HOST,
	database: process.env.PG_DATABASE || 'throttlecove',
	user: process.env.PG_USER || 'throttlecove',
	max: parseInt(process.env.PG_POOL || '4', 10),
});
const redis = createClient({ socket: { path: process.env.REDIS_SOCK } });
redis.on('error', (e) => console.error('peer: redis:', e.message));

const TS = (x) => `to_char(${x} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
// src/motorcycles/db.c: VISIBLE("") with MOTO_ROW(v.access), WMI_JOIN
const LIST_SQL =
	"WITH v AS (SELECT m.id, 'owner'::text AS access " +
	'FROM motorcycles m WHERE m.user_id = $1 ' +
	'AND ($2::bigint IS NULL OR m.id < $2::bigint)' +
	' UNION ALL SELECT m.id, c.role::text ' +
	'FROM motorcycle_collaborators c ' +
	'JOIN motorcycles m ON m.id = c.motorcycle_id ' +
	'WHERE c.user_id = $1 AND m.user_id <> $1 ' +
	'AND ($2::bigint IS NULL OR m.id < $2::bigint)' +
	' ORDER BY id DESC LIMIT $3::int + 1) ' +
	"SELECT json_build_object('id', m.id, 'user_id', m.user_id, " +
	"'name', m.name, 'make', m.make, 'model', m.model, " +
	"'year', m.year, 'vin', m.vin, 'engine_size', m.engine_size, " +
	"'engine_type', m.engine_type, 'color', m.color, " +
	"'mileage', m.mileage, 'purchase_date', m.purchase_date, " +
	"'purchase_price', m.purchase_price, " +
	"'current_value', m.current_value, " +
	"'insurance_provider', m.insurance_provider, " +
	"'insurance_policy', m.insurance_policy, " +
	"'registration_number', m.registration_number, " +
	"'license_plate', m.license_plate, 'status', m.status, " +
	"'photos', COALESCE(to_json(m.photos), '[]'::json), " +
	"'documents', m.documents, " +
	"'custom_fields', COALESCE(m.custom_fields, '{}'::jsonb), " +
	"'access', v.access, " +
	`'created_at', ${TS('m.created_at')}, ` +
	`'updated_at', ${TS('m.updated_at')}) AS bike, ` +
	'm.vin, w.manufacturer, w.country, m.id, m.user_id ' +
	'FROM v JOIN motorcycles m ON m.id = v.id ' +
	"LEFT JOIN vin_wmi w ON substr(m.vin, 3, 1) <> '9' " +
	'AND w.wmi = substr(m.vin, 1, 3)::char(3) ' +
	'ORDER BY m.id DESC';

const PAGE_DEFAULT = 20;

function problem(res, status, title) {
	res.status(status).type('application/problem+json')
		.send(JSON.stringify({ type: 'about:blank', title, status }));
}

async function auth(req, res, next) {
	const h = req.get('authorization') || '';
	if (!h.startsWith('Bearer '))
		return problem(res, 401, 'missing bearer token');
	let c;
	try {
		c = jwt.verify(h.slice(7), SECRET, {
			algorithms: ['HS256'],
			issuer: 'throttlecove',
			audience: 'throttlecove-api',
		});
	} catch (e) {
		return problem(res, 401, 'the access token is invalid or expired');
	}
	try {
		const s = await redis.get('tc:sess:' + c.sid);
		const colon = s ? s.indexOf(':') : -1;
		if (colon < 1 || s.slice(0, colon) !== String(c.sub))
			return problem(res, 401, 'the session has ended');
		req.uid = parseInt(c.sub, 10);
		req.role = s.slice(colon + 1);
	} catch (e) {
		return problem(res, 503, 'session store unavailable');
	}
	next();
}

const app = express();
app.disable('x-powered-by');

app.get('/v1/motorcycles', auth, async (req, res) => {
	const limit = PAGE_DEFAULT;
	try {
		const r = await pool.query({ name: 'moto_list', text: LIST_SQL,
			values: [req.uid, null, limit] });
		const data = r.rows.slice(0, limit).map((row) => {
			row.bike.vin_info = null;	// no VIN in the bench data
			return row.bike;
		});
		res.set('Cache-Control', 'no-store');
		res.json({ data, next_cursor: null });
	} catch (e) {
		console.error('peer: query:', e.message);
		problem(res, 503, 'database unavailable');
	}
});

app.get('/health', (req, res) => res.json({ status: 'ok' }));

(async () => {
	await redis.connect();
	const port = PORT + parseInt(process.env.PEER_INDEX || '0', 10);
	const srv = app.listen(port, '127.0.0.1', () =>
		console.error(`peer: worker ${process.pid} on 127.0.0.1:${port}`));
	// nginx keeps upstream connections open (keepalive); do not cut them
	srv.keepAliveTimeout = 65000;
	process.on('SIGTERM', () => {
		srv.close();
		Promise.allSettled([pool.end(), redis.quit()])
			.finally(() => process.exit(0));
		setTimeout(() => process.exit(0), 300).unref();
	});
})().catch((e) => {
	console.error('peer: start:', e.message);
	process.exit(1);
});
