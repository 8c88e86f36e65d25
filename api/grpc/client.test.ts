// The client against grpc-js' server: an independent implementation of the protocol, so a framing,
// header, trailer or status mistake here shows up as a wrong answer. (ref-dockerd's client against
// real containerd, grpc-go, is the reference+containerd target of the suite.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { serviceDefinition } from '../grpc-service.js';
import { GrpcStatus } from '../errors.js';
import { GrpcChannel, GrpcError } from './client.js';

const CONTAINERS = 'containerd.services.containers.v1.Containers';
const EVENTS = 'containerd.services.events.v1.Events';

type Impl = grpc.UntypedServiceImplementation;

function tempSocket(): { dir: string; address: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-client-test-'));
  return { dir, address: path.join(dir, 'grpc.sock') };
}

async function serve(address: string, services: Record<string, Impl>): Promise<grpc.Server> {
  const server = new grpc.Server();
  for (const [name, impl] of Object.entries(services)) server.addService(serviceDefinition(name), impl);
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${address}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return server;
}

async function withServer(services: Record<string, Impl>, body: (ch: GrpcChannel, server: grpc.Server) => Promise<void>): Promise<void> {
  const { dir, address } = tempSocket();
  const server = await serve(address, services);
  const ch = new GrpcChannel(address);
  try {
    await body(ch, server);
  } finally {
    ch.close();
    server.forceShutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function rejection(p: Promise<unknown>): Promise<GrpcError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GrpcError, `not a GrpcError: ${err}`);
    return err;
  }
  assert.fail('resolved');
}

test('unary: the answer, with the metadata sent as headers', async () => {
  let seen: unknown[] = [];
  await withServer(
    {
      [CONTAINERS]: {
        Get: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
          seen = call.metadata.get('containerd-namespace');
          cb(null, { container: { id: call.request.id, image: 'busybox', labels: { a: 'é' } } });
        },
      },
    },
    async (ch) => {
      await ch.ready(2000);
      const res = await ch.unary(CONTAINERS, 'Get', { id: 'c1' }, { 'containerd-namespace': 'moby' }, 5000);
      assert.equal(res.container.id, 'c1');
      assert.deepEqual(res.container.labels, { a: 'é' });
      assert.deepEqual(seen, ['moby']);
    },
  );
});

test("an error status reaches the caller with its code and the server's message, decoded", async () => {
  await withServer(
    {
      [CONTAINERS]: {
        Get: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.NOT_FOUND, details: 'container "é%1" in namespace "moby": not found' }),
      },
    },
    async (ch) => {
      const err = await rejection(ch.unary(CONTAINERS, 'Get', { id: 'x' }, {}, 5000));
      assert.equal(err.code, GrpcStatus.NOT_FOUND);
      assert.equal(err.details, 'container "é%1" in namespace "moby": not found');
    },
  );
});

test('server stream: every message, then the end; an error after messages ends it with that error', async () => {
  let fail = false;
  await withServer(
    {
      [EVENTS]: {
        Subscribe: (call: grpc.ServerWritableStream<any, any>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
          call.write({ topic: '/tasks/start', namespace: 'moby' });
          call.write({ topic: '/tasks/exit', namespace: 'moby' });
          // grpc-js' server sends an error status on a stream it is emitted on (its destroy(err) sends none)
          if (fail) call.emit('error', { name: 'e', message: 'm', code: grpc.status.INTERNAL, details: 'broken' } as grpc.ServiceError);
          else call.end();
        },
      },
    },
    async (ch) => {
      const collect = () =>
        new Promise<{ topics: string[]; err?: GrpcError }>((resolve) => {
          const topics: string[] = [];
          const s = ch.serverStream(EVENTS, 'Subscribe', { filters: [] }, {});
          s.on('data', (m) => topics.push(m.topic));
          s.on('end', () => resolve({ topics }));
          s.on('error', (err: GrpcError) => resolve({ topics, err }));
        });
      assert.deepEqual(await collect(), { topics: ['/tasks/start', '/tasks/exit'] });
      fail = true;
      const r = await collect();
      assert.deepEqual(r.topics, ['/tasks/start', '/tasks/exit']);
      assert.equal(r.err?.code, GrpcStatus.INTERNAL);
      assert.equal(r.err?.details, 'broken');
    },
  );
});

test('a cancelled stream is cancelled on the server, and says nothing more to the caller', async () => {
  let serverCancelled!: () => void;
  const cancelled = new Promise<void>((r) => (serverCancelled = r));
  await withServer(
    {
      [EVENTS]: {
        Subscribe: (call: grpc.ServerWritableStream<unknown, unknown>) => {
          call.on('cancelled', () => serverCancelled());
          call.write({ topic: '/tasks/start' });
        },
      },
    },
    async (ch) => {
      const s = ch.serverStream(EVENTS, 'Subscribe', { filters: [] }, {});
      const after: string[] = [];
      await new Promise<void>((r) => s.once('data', () => r()));
      s.on('data', () => after.push('data'));
      s.on('error', () => after.push('error'));
      s.on('end', () => after.push('end'));
      s.cancel();
      await cancelled;
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(after, []);
    },
  );
});

test('a call past its deadline ends DEADLINE_EXCEEDED here and is cancelled on the server', async () => {
  let serverCancelled!: () => void;
  const cancelled = new Promise<void>((r) => (serverCancelled = r));
  await withServer(
    {
      [CONTAINERS]: {
        Get: (call: grpc.ServerUnaryCall<unknown, unknown>) => call.on('cancelled', () => serverCancelled()), // never answers
      },
    },
    async (ch) => {
      const t0 = Date.now();
      const err = await rejection(ch.unary(CONTAINERS, 'Get', { id: 'x' }, {}, 200));
      assert.equal(err.code, GrpcStatus.DEADLINE_EXCEEDED);
      assert.ok(Date.now() - t0 < 2000);
      await cancelled;
    },
  );
});

test('ready waits for a server that starts late, and gives up UNAVAILABLE on a socket nobody serves', async () => {
  const { dir, address } = tempSocket();
  try {
    const missing = new GrpcChannel(address);
    const err = await rejection(missing.ready(300));
    assert.equal(err.code, GrpcStatus.UNAVAILABLE);
    missing.close();

    const ch = new GrpcChannel(address);
    const ready = ch.ready(5000);
    await new Promise((r) => setTimeout(r, 250));
    const server = await serve(address, { [CONTAINERS]: { Get: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { container: { id: 'late' } }) } });
    try {
      await ready;
      assert.equal((await ch.unary(CONTAINERS, 'Get', { id: 'late' }, {}, 5000)).container.id, 'late');
    } finally {
      ch.close();
      server.forceShutdown();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('when the server goes, an open stream and calls end UNAVAILABLE; once it is back, the next call dials again', async () => {
  const get = { Get: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { container: { id: 'back' } }) };
  await withServer(
    { [EVENTS]: { Subscribe: (call: grpc.ServerWritableStream<unknown, unknown>) => call.write({ topic: '/tasks/start' }) }, [CONTAINERS]: get },
    async (ch, server) => {
      const s = ch.serverStream(EVENTS, 'Subscribe', { filters: [] }, {});
      await new Promise<void>((r) => s.once('data', () => r()));
      const ended = new Promise<GrpcError>((r) => s.once('error', r));
      server.forceShutdown();
      assert.equal((await ended).code, GrpcStatus.UNAVAILABLE);
      const err = await rejection(ch.unary(CONTAINERS, 'Get', { id: 'x' }, {}, 1000));
      assert.equal(err.code, GrpcStatus.UNAVAILABLE);
      fs.rmSync(ch.socketPath, { force: true });
      const again = await serve(ch.socketPath, { [CONTAINERS]: get });
      try {
        assert.equal((await ch.unary(CONTAINERS, 'Get', { id: 'x' }, {}, 5000)).container.id, 'back');
      } finally {
        again.forceShutdown();
      }
    },
  );
});

test('a closed channel does not dial again', async () => {
  await withServer({ [CONTAINERS]: { Get: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { container: { id: 'c' } }) } }, async (ch) => {
    assert.equal((await ch.unary(CONTAINERS, 'Get', { id: 'c' }, {}, 5000)).container.id, 'c');
    ch.close();
    const err = await rejection(ch.unary(CONTAINERS, 'Get', { id: 'c' }, {}, 5000));
    assert.equal(err.code, GrpcStatus.UNAVAILABLE);
  });
});
