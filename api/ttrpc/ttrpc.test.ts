// ttrpc on exact bytes: frames, the Request/Response envelopes as Go's proto3 marshalling writes
// them, and a server and client talking over a real unix socket (also by hand, byte for byte).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { encodeFrame, FrameReader, MAX_MESSAGE_LENGTH, type Frame } from './frame.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from './messages.js';
import { TtrpcServer, type CallContext } from './server.js';
import { TtrpcClient } from './client.js';
import { Code, TtrpcError } from './status.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('a frame is a 10-byte header (length, stream id big-endian; type; flags) and the payload', () => {
  const f = encodeFrame({ streamId: 1, type: 1, flags: 0, payload: Buffer.from('abc') });
  assert.equal(hex(f), '00000003' + '00000001' + '01' + '00' + '616263');
  const big = encodeFrame({ streamId: 0x01020305, type: 2, flags: 0x04, payload: Buffer.alloc(0x0102) });
  assert.equal(hex(big.subarray(0, 10)), '00000102' + '01020305' + '02' + '04');
  assert.throws(() => encodeFrame({ streamId: 1, type: 1, flags: 0, payload: Buffer.alloc(MAX_MESSAGE_LENGTH + 1) }), /exceed maximum message size of 4194304/);
});

test('the frame reader copes with any split and skips an oversized payload', () => {
  const frames: Frame[] = [];
  const oversized: number[] = [];
  const r = new FrameReader((f) => frames.push(f), (o) => oversized.push(o.streamId));
  const a = encodeFrame({ streamId: 1, type: 1, flags: 0, payload: Buffer.from('hello') });
  const b = encodeFrame({ streamId: 3, type: 1, flags: 0, payload: Buffer.alloc(0) });
  const bytes = Buffer.concat([a, b]);
  for (let i = 0; i < bytes.length; i++) r.push(bytes.subarray(i, i + 1));
  assert.deepEqual(frames.map((f) => [f.streamId, f.payload.toString()]), [[1, 'hello'], [3, '']]);
  // a header announcing 4 MiB + 1, its payload in two pieces, then a good frame
  const header = Buffer.from('00400001' + '00000005' + '01' + '00', 'hex');
  r.push(Buffer.concat([header, Buffer.alloc(100)]));
  r.push(Buffer.concat([Buffer.alloc(MAX_MESSAGE_LENGTH + 1 - 100), encodeFrame({ streamId: 7, type: 1, flags: 0, payload: Buffer.from('x') })]));
  assert.deepEqual(oversized, [5]);
  assert.deepEqual(frames.map((f) => f.streamId), [1, 3, 7]);
});

test('Request and Response carry their fields under ttrpc numbers, zero values left out', () => {
  const req = encodeRequest({
    service: 's',
    method: 'm',
    payload: Buffer.from([0xff]),
    timeoutNano: 0,
    metadata: [{ key: 'k', value: 'v' }],
  });
  // service=1 "s", method=2 "m", payload=3 ff, (timeout 0 absent), metadata=5 {key=1 "k", value=2 "v"}
  assert.equal(hex(req), '0a0173' + '12016d' + '1a01ff' + '2a06' + '0a016b' + '120176');
  const timed = encodeRequest({ service: '', method: '', payload: Buffer.alloc(0), timeoutNano: 1_000_000_000, metadata: [] });
  assert.equal(hex(timed), '20' + '8094ebdc03'); // timeout_nano=4, varint 1e9
  assert.deepEqual(decodeRequest(req), { service: 's', method: 'm', payload: Buffer.from([0xff]), timeoutNano: 0, metadata: [{ key: 'k', value: 'v' }] });

  const failed = encodeResponse({ status: { code: Code.UNIMPLEMENTED, message: 'service x' }, payload: Buffer.alloc(0) });
  // status=1 {code=1 12, message=2 "service x"}
  assert.equal(hex(failed), '0a0d' + '080c' + '1209' + Buffer.from('service x').toString('hex'));
  const ok = encodeResponse({ payload: Buffer.from([8, 42]) });
  assert.equal(hex(ok), '1202082a');
  assert.equal(decodeResponse(ok).status, null);
  assert.deepEqual(decodeResponse(failed).status, { code: 12, message: 'service x', details: [] });
});

async function withServer(fn: (sock: string, server: TtrpcServer, seen: CallContext[]) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttrpc-'));
  const sock = path.join(dir, 's');
  const seen: CallContext[] = [];
  const server = new TtrpcServer();
  server.registerService('containerd.task.v2.Task', {
    Connect: (req: { id: string }, ctx: CallContext) => {
      seen.push(ctx);
      return { shimPid: 1234, taskPid: req.id === 'c1' ? 42 : 0, version: '' };
    },
    Kill: (req: { signal: number }) => {
      if (req.signal === 0) throw new TtrpcError(Code.NOT_FOUND, 'process already finished: not found');
      return {};
    },
    Wait: async (req: { execId: string }) => {
      await new Promise((r) => setTimeout(r, req.execId === 'slow' ? 50 : 0));
      return { exitStatus: req.execId === 'slow' ? 1 : 2, exitedAt: { seconds: 1, nanos: 5 } };
    },
    State: () => {
      throw new Error('plain failure');
    },
  });
  await server.listen(sock);
  try {
    await fn(sock, server, seen);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a typed call goes through, with metadata and timeout seen by the handler', async () => {
  await withServer(async (sock, _server, seen) => {
    const c = await TtrpcClient.connect(`unix://${sock}`);
    try {
      const res = await c.callTyped('containerd.task.v2.Task', 'Connect', { id: 'c1' }, { metadata: { 'containerd-namespace-ttrpc': 'moby', two: ['a', 'b'] }, timeoutMs: 2000 });
      assert.deepEqual(res, { shimPid: 1234, taskPid: 42, version: '' });
      assert.deepEqual(seen[0]!.metadata, { 'containerd-namespace-ttrpc': ['moby'], two: ['a', 'b'] });
      assert.equal(seen[0]!.timeoutNano, 2_000_000_000);
      // answers come back by stream id, not in request order
      const [slow, fast] = await Promise.all([
        c.callTyped<{ exitStatus: number }>('containerd.task.v2.Task', 'Wait', { id: 'c1', execId: 'slow' }),
        c.callTyped<{ exitStatus: number; exitedAt: unknown }>('containerd.task.v2.Task', 'Wait', { id: 'c1', execId: 'fast' }),
      ]);
      assert.equal(slow.exitStatus, 1);
      assert.equal(fast.exitStatus, 2);
      assert.deepEqual(fast.exitedAt, { seconds: 1, nanos: 5 });
    } finally {
      c.close();
    }
  });
});

test('status errors: the handler\'s code, Unknown for a plain error, Unimplemented for unknown names', async () => {
  await withServer(async (sock) => {
    const c = await TtrpcClient.connect(sock);
    try {
      await assert.rejects(c.callTyped('containerd.task.v2.Task', 'Kill', { id: 'c1', signal: 0 }), { code: 5, message: 'process already finished: not found' });
      await assert.rejects(c.callTyped('containerd.task.v2.Task', 'State', { id: 'c1' }), { code: 2, message: 'plain failure' });
      await assert.rejects(c.call('containerd.task.v2.Nope', 'State', Buffer.alloc(0)), { code: 12, message: 'service containerd.task.v2.Nope' });
      await assert.rejects(c.callTyped('containerd.task.v2.Task', 'Pause', { id: 'c1' }), { code: 12, message: 'method Pause' });
      // the connection is still good after errors
      assert.equal((await c.callTyped<{ shimPid: number }>('containerd.task.v2.Task', 'Connect', { id: 'x' })).shimPid, 1234);
    } finally {
      c.close();
    }
  });
});

test('byte for byte: a hand-written request frame gets the exact response frame', async () => {
  await withServer(async (sock) => {
    const s = net.connect(sock);
    await new Promise((r) => s.once('connect', r));
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    // Request{service="containerd.task.v2.Task", method="Connect", payload=ConnectRequest{id="c1"}}
    const service = Buffer.from('containerd.task.v2.Task');
    const payload = Buffer.from('0a026331', 'hex');
    const body = Buffer.concat([
      Buffer.from([0x0a, service.length]), service,
      Buffer.from([0x12, 7]), Buffer.from('Connect'),
      Buffer.from([0x1a, payload.length]), payload,
    ]);
    const header = Buffer.alloc(10);
    header.writeUInt32BE(body.length, 0);
    header.writeUInt32BE(1, 4);
    header[8] = 1;
    s.write(Buffer.concat([header, body]));
    // an even stream id is refused, as ttrpc refuses it
    const even = Buffer.from(header);
    even.writeUInt32BE(2, 4);
    s.write(Buffer.concat([even, body]));
    const deadline = Date.now() + 2000;
    while (Buffer.concat(got).length < 2 * 10 + 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    s.destroy();
    // answers may come in any order: cut them apart and take them by stream id
    const frames: Buffer[] = [];
    let all = Buffer.concat(got);
    while (all.length >= 10) {
      const n = 10 + all.readUInt32BE(0);
      frames.push(all.subarray(0, n));
      all = all.subarray(n);
    }
    const byStream = (id: number) => frames.find((f) => f.readUInt32BE(4) === id)!;
    // ConnectResponse{shim_pid=1234, task_pid=42} = 08 d2 09 10 2a; Response{payload=2 …}
    assert.equal(hex(byStream(1)), '00000007' + '00000001' + '02' + '00' + '1205' + '08d209102a');
    const refused = byStream(2);
    assert.equal(hex(refused.subarray(4, 10)), '00000002' + '02' + '00');
    assert.deepEqual(decodeResponse(refused.subarray(10)).status, { code: 3, message: 'StreamID must be odd for client initiated streams', details: [] });
  });
});

test('a connection that goes away fails the pending calls with "ttrpc: closed"', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttrpc-'));
  const sock = path.join(dir, 's');
  // a peer that reads requests and never answers, then hangs up
  const silent = net.createServer((c) => {
    c.on('data', () => setTimeout(() => c.destroy(), 20));
  });
  await new Promise<void>((r) => silent.listen(sock, r));
  try {
    const c = await TtrpcClient.connect(sock);
    await assert.rejects(c.call('a', 'b', Buffer.alloc(0)), { code: Code.UNAVAILABLE, message: 'ttrpc: closed' });
    assert.equal(c.isClosed, true);
    await assert.rejects(c.call('a', 'b', Buffer.alloc(0)), { message: 'ttrpc: closed' });
  } finally {
    await new Promise((r) => silent.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
