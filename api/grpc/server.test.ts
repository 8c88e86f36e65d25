// The server against grpc-js' client: the client is an independent implementation of the protocol,
// so a framing, header or trailer mistake here shows up as a client error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { serviceDefinition } from '../grpc-service.js';
import { GrpcServer, type ServerCall } from './server.js';
import { decodeMessage, encodeMessage, grpcTimeout, timeoutMs } from './wire.js';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function clientFor(service: string, address: string) {
  const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(service), service);
  return new Ctor(`unix://${address}`, grpc.credentials.createInsecure()) as unknown as Record<string, (...a: unknown[]) => unknown> & grpc.Client;
}

async function withServer(setup: (s: GrpcServer) => void, body: (address: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-server-test-'));
  const address = path.join(dir, 'grpc.sock');
  const server = new GrpcServer();
  setup(server);
  await server.listen(address);
  try {
    await body(address);
  } finally {
    server.forceShutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function unary(client: Record<string, (...a: unknown[]) => unknown>, method: string, req: Msg, md = new grpc.Metadata()): Promise<Msg> {
  return new Promise((resolve, reject) => client[method](req, md, (err: grpc.ServiceError | null, res: Msg) => (err ? reject(err) : resolve(res))));
}

test('unary: the answer, and metadata from the request headers', async () => {
  let seen: unknown[] = [];
  await withServer(
    (s) =>
      s.addService('containerd.services.containers.v1.Containers', {
        Get: (call, cb) => {
          seen = call.metadata.get('containerd-namespace');
          cb(null, { container: { id: call.request.id, image: 'busybox', labels: { a: 'é' } } });
        },
      }),
    async (address) => {
      const c = clientFor('containerd.services.containers.v1.Containers', address);
      const md = new grpc.Metadata();
      md.set('containerd-namespace', 'moby');
      const res = await unary(c, 'Get', { id: 'c1' }, md);
      assert.equal(res.container.id, 'c1');
      assert.equal(res.container.image, 'busybox');
      assert.deepEqual(res.container.labels, { a: 'é' });
      assert.deepEqual(seen, ['moby']);
      c.close();
    },
  );
});

test('an error reaches the client with its code and its message, percent-encoded on the wire', async () => {
  await withServer(
    (s) =>
      s.addService('containerd.services.containers.v1.Containers', {
        Get: (call, cb) => cb({ code: grpc.status.NOT_FOUND, details: `container "${call.request.id}" in namespace "moby": not found – 100%` }),
      }),
    async (address) => {
      const c = clientFor('containerd.services.containers.v1.Containers', address);
      await assert.rejects(unary(c, 'Get', { id: 'x' }), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.NOT_FOUND);
        assert.equal(err.details, 'container "x" in namespace "moby": not found – 100%');
        return true;
      });
      c.close();
    },
  );
  assert.equal(encodeMessage('a%b\n–'), 'a%25b%0A%E2%80%93');
});

test('server streaming: every message, then OK; an error after messages comes in the trailers', async () => {
  await withServer(
    (s) =>
      s.addService('containerd.services.containers.v1.Containers', {
        ListStream: (call: ServerCall) => {
          for (const id of ['a', 'b', 'c']) call.write({ container: { id } });
          if (call.request.filters?.[0] === 'fail') call.destroy({ code: grpc.status.FAILED_PRECONDITION, details: 'namespace is required: failed precondition' });
          else call.end();
        },
      }),
    async (address) => {
      const c = clientFor('containerd.services.containers.v1.Containers', address);
      const collect = (filters: string[]) =>
        new Promise<{ ids: string[]; err?: grpc.ServiceError }>((resolve) => {
          const ids: string[] = [];
          const st = c.ListStream({ filters }) as grpc.ClientReadableStream<Msg>;
          st.on('data', (m: Msg) => ids.push(m.container.id));
          st.on('error', (err: grpc.ServiceError) => resolve({ ids, err }));
          st.on('end', () => resolve({ ids }));
        });
      assert.deepEqual(await collect([]), { ids: ['a', 'b', 'c'] });
      const failed = await collect(['fail']);
      assert.deepEqual(failed.ids, ['a', 'b', 'c']);
      assert.equal(failed.err?.code, grpc.status.FAILED_PRECONDITION);
      assert.equal(failed.err?.details, 'namespace is required: failed precondition');
      c.close();
    },
  );
});

test('a client that cancels ends the subscription on the server', async () => {
  let cancelled!: () => void;
  const ended = new Promise<void>((r) => (cancelled = r));
  let subscriber: ServerCall | undefined;
  await withServer(
    (s) =>
      s.addService('containerd.services.events.v1.Events', {
        Subscribe: (call: ServerCall) => {
          subscriber = call;
          call.write({ namespace: 'moby', topic: '/tasks/start' });
          call.on('cancelled', () => cancelled());
        },
      }),
    async (address) => {
      const c = clientFor('containerd.services.events.v1.Events', address);
      const st = c.Subscribe({ filters: [] }) as grpc.ClientReadableStream<Msg>;
      st.on('error', () => {});
      const first = await new Promise<Msg>((r) => st.once('data', r));
      assert.equal(first.topic, '/tasks/start');
      st.cancel();
      await ended;
      assert.equal(subscriber?.cancelled, true);
      assert.equal(subscriber?.write({ topic: '/late' }), false);
      c.close();
    },
  );
});

test('an unknown method or service answers UNIMPLEMENTED with grpc-go\'s text', async () => {
  await withServer(
    (s) => s.addService('containerd.services.version.v1.Version', { Version: (_call, cb) => cb(null, { version: '1' }) }),
    async (address) => {
      const events = clientFor('containerd.services.events.v1.Events', address);
      await assert.rejects(unary(events, 'Publish', { topic: '/x' }), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.UNIMPLEMENTED);
        assert.equal(err.details, 'unknown service containerd.services.events.v1.Events');
        return true;
      });
      const containers = clientFor('containerd.services.containers.v1.Containers', address);
      await assert.rejects(unary(containers, 'Get', { id: 'x' }), { code: grpc.status.UNIMPLEMENTED });
      const version = clientFor('containerd.services.version.v1.Version', address);
      assert.equal((await unary(version, 'Version', {})).version, '1');
      for (const c of [events, containers, version]) c.close();
    },
  );
});

test('a method the handler leaves unanswered past the client\'s deadline ends as DEADLINE_EXCEEDED and is cancelled', async () => {
  let cancelled = false;
  await withServer(
    (s) =>
      s.addService('containerd.services.version.v1.Version', {
        Version: (call: ServerCall) => call.on('cancelled', () => (cancelled = true)),
      }),
    async (address) => {
      const c = clientFor('containerd.services.version.v1.Version', address);
      await assert.rejects(
        new Promise((resolve, reject) =>
          c.Version({}, new grpc.Metadata(), { deadline: Date.now() + 200 }, (err: grpc.ServiceError | null, res: Msg) => (err ? reject(err) : resolve(res))),
        ),
        { code: grpc.status.DEADLINE_EXCEEDED },
      );
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(cancelled, true);
      c.close();
    },
  );
  assert.equal(timeoutMs('200m'), 200);
  assert.equal(timeoutMs('3S'), 3000);
  assert.equal(timeoutMs('x'), undefined);
  // what the client writes, the server reads back
  assert.equal(timeoutMs(grpcTimeout(200)), 200);
  assert.equal(timeoutMs(grpcTimeout(2e8)), 2e8);
  assert.equal(decodeMessage(encodeMessage('a%b\n–')), 'a%b\n–');
});
