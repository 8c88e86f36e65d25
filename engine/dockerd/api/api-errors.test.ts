// The API's error paths through the real router and handlers, on a daemon whose containerd is not
// running: Docker's status codes and texts (measured on dockerd 20.10.24) must come out as JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Router } from './router.js';
import { Daemon } from '../daemon.js';
import { parseFlags } from '../daemon-config.js';
import { systemRoutes } from './system.js';
import { imageRoutes } from './images.js';
import { containerRoutes } from './containers.js';

let server: http.Server;
let sock: string;
let root: string;
let daemon: Daemon;

function request(method: string, p: string, body?: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      { socketPath: sock, method, path: p, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {} },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(parts).toString() }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function message(method: string, p: string, body?: unknown): Promise<[number, string]> {
  const r = await request(method, p, body);
  return [r.status, JSON.parse(r.text).message];
}

/** A one-file image, imported the way `docker import` sends it. */
async function importImage(): Promise<void> {
  const tarStream = (await import('tar-stream')).default;
  const pack = tarStream.pack();
  pack.entry({ name: 'bin/', type: 'directory', mode: 0o755 });
  pack.entry({ name: 'bin/true', mode: 0o755 }, '#!/bin/sh\n');
  pack.finalize();
  const img = await daemon.images.importTar(Readable.from(pack as unknown as AsyncIterable<Buffer>), { repo: 'dockspec/t', tag: 'latest' });
  assert.match(img.id, /^sha256:[0-9a-f]{64}$/);
}

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'refd-api-'));
  sock = path.join(root, 'd.sock');
  const cfg = parseFlags(['--data-root', path.join(root, 'data'), '--exec-root', path.join(root, 'exec'), '--containerd', path.join(root, 'nothing.sock')]);
  daemon = new Daemon(cfg);
  daemon.load();
  const router = new Router();
  systemRoutes(router, daemon);
  imageRoutes(router, daemon);
  containerRoutes(router, daemon);
  server = http.createServer((req, res) => void router.dispatch(req, res));
  await new Promise<void>((r) => server.listen(sock, r));
  await importImage();
});

after(() => {
  server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test('every routed response carries Docker headers; ping has the cache headers', async () => {
  const r = await request('GET', '/_ping');
  assert.equal(r.status, 200);
  assert.equal(r.text, 'OK');
  assert.equal(r.headers['api-version'], '1.41');
  assert.equal(r.headers['docker-experimental'], 'false');
  assert.equal(r.headers['ostype'], 'linux');
  assert.match(String(r.headers['server']), /^Docker\/\S+ \(linux\)$/);
  assert.equal(r.headers['cache-control'], 'no-cache, no-store, must-revalidate');
  assert.equal(r.headers['pragma'], 'no-cache');
  const h = await request('HEAD', '/_ping');
  assert.equal(h.status, 200);
  assert.equal(h.text, '');
});

test('API versions outside 1.12…1.41 are refused with dockerd\'s texts', async () => {
  assert.deepEqual(await message('GET', '/v1.50/version'), [400, 'client version 1.50 is too new. Maximum supported API version is 1.41']);
  const old = await request('GET', '/v1.11/version');
  assert.equal(old.status, 400);
  assert.equal(old.text, 'client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version\n');
  assert.equal((await request('GET', '/v1.24/version')).status, 200);
});

test('unknown paths answer page not found', async () => {
  assert.deepEqual(await message('GET', '/nope'), [404, 'page not found']);
});

test('create: name rules, missing image, no command, unknown runtime, name conflict', async () => {
  assert.deepEqual(await message('POST', '/v1.41/containers/create?name=a%20b', { Image: 'dockspec/t', Cmd: ['true'] }), [
    400,
    'Invalid container name (a b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
  ]);
  assert.deepEqual(await message('POST', '/v1.41/containers/create', { Image: 'nosuch', Cmd: ['true'] }), [404, 'No such image: nosuch:latest']);
  assert.deepEqual(await message('POST', '/v1.41/containers/create', { Image: 'dockspec/t' }), [400, 'No command specified']);
  assert.deepEqual(await message('POST', '/v1.41/containers/create', { Image: 'dockspec/t', Cmd: ['true'], HostConfig: { Runtime: 'nos' } }), [
    400,
    'Unknown runtime specified nos',
  ]);
  const ok = await request('POST', '/v1.41/containers/create?name=x1', { Image: 'dockspec/t', Cmd: ['true'] });
  assert.equal(ok.status, 201);
  const id = JSON.parse(ok.text).Id as string;
  assert.deepEqual(await message('POST', '/v1.41/containers/create?name=x1', { Image: 'dockspec/t', Cmd: ['true'] }), [
    409,
    `Conflict. The container name "/x1" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  ]);
  // state survives on disk as dockerd's files
  assert.ok(fs.existsSync(path.join(root, 'data/containers', id, 'config.v2.json')));
  assert.ok(fs.existsSync(path.join(root, 'data/containers', id, 'hostconfig.json')));
});

test('container calls on created containers and unknown ids', async () => {
  assert.deepEqual(await message('GET', '/v1.41/containers/nosuch/json'), [404, 'No such container: nosuch']);
  assert.deepEqual(await message('DELETE', '/v1.41/containers/nosuch'), [404, 'No such container: nosuch']);
  const c = daemon.containers.get('x1');
  assert.deepEqual(await message('POST', '/v1.41/containers/x1/kill'), [409, `Cannot kill container: x1: Container ${c.rec.ID} is not running`]);
  assert.equal((await request('POST', '/v1.41/containers/x1/stop')).status, 304);
  assert.deepEqual(await message('POST', '/v1.41/containers/x1/kill?signal=FOO'), [400, 'Invalid signal: FOO']);
  assert.deepEqual(await message('POST', '/v1.41/containers/x1/exec', { Cmd: ['true'] }), [409, `Container ${c.rec.ID} is not running`]);
  assert.deepEqual(await message('POST', '/v1.41/exec/nosuch/start', {}), [404, 'No such exec instance: nosuch']);
  assert.deepEqual(await message('GET', `/v1.41/containers/json?filters=${encodeURIComponent('{"status":["bogus"]}')}`), [400, "Invalid filter 'status=bogus'"]);
  assert.deepEqual(await message('GET', `/v1.41/containers/json?filters=${encodeURIComponent('{"foo":["x"]}')}`), [400, "Invalid filter 'foo'"]);
});

test('starting without containerd fails with connection refused', async () => {
  const [status, msg] = await message('POST', '/v1.41/containers/x1/start');
  assert.equal(status, 500);
  assert.match(msg, /connection refused/);
});

test('image removal conflicts and missing images', async () => {
  const img = daemon.images.get('dockspec/t');
  const c = daemon.containers.get('x1');
  assert.deepEqual(await message('DELETE', '/v1.41/images/dockspec/t'), [
    409,
    `conflict: unable to remove repository reference "dockspec/t" (must force) - container ${c.rec.ID.slice(0, 12)} is using its referenced image ${img.id.slice(7, 19)}`,
  ]);
  assert.deepEqual(await message('DELETE', '/v1.41/images/nosuch'), [404, 'No such image: nosuch:latest']);
  assert.deepEqual(await message('GET', '/v1.41/images/nosuch/json'), [404, 'no such image: nosuch: No such image: nosuch:latest']);
  assert.equal((await request('DELETE', '/v1.41/containers/x1')).status, 204);
  const del = await request('DELETE', '/v1.41/images/dockspec/t');
  assert.deepEqual(JSON.parse(del.text), [{ Untagged: 'dockspec/t:latest' }, { Deleted: img.id }]);
});
