// The shim v2 contract end to end, without containerd: the start step as containerd runs it, the
// serving shim over ttrpc, events to a ttrpc Events service standing in for containerd, Shutdown,
// and the delete action's encoded DeleteResponse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TtrpcClient } from '../../api/ttrpc/client.js';
import { TtrpcServer } from '../../api/ttrpc/server.js';
import { decode } from '../../api/protos.js';

const shimJs = fileURLToPath(new URL('../../bin/ref-containerd-shim.js', import.meta.url));
const TASK = 'containerd.task.v2.Task';

function runShim(args: string[], cwd: string, env: NodeJS.ProcessEnv, input = ''): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [shimJs, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'buffer' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.toString() }),
    );
    child.stdin!.end(input);
  });
}

test('start prints only the address, records it, and the serving shim answers ttrpc until Shutdown', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-v2-'));
  const bundle = path.join(dir, 'c1');
  fs.mkdirSync(bundle);
  fs.writeFileSync(path.join(bundle, 'config.json'), '{}');
  const containerdSock = path.join(dir, 'containerd.sock');
  const forwarded: unknown[] = [];
  const events = new TtrpcServer();
  events.registerService('containerd.services.events.ttrpc.v1.Events', { Forward: (r: object) => (forwarded.push(r), {}) });
  await events.listen(`${containerdSock}.ttrpc`);
  let client: TtrpcClient | undefined;
  try {
    const flags = ['-namespace', 'moby', '-address', containerdSock, '-publish-binary', '/usr/bin/containerd', '-id', 'c1'];
    const start = await runShim([...flags, 'start'], bundle, { TTRPC_ADDRESS: `${containerdSock}.ttrpc` }, 'options');
    assert.equal(start.code, 0, start.stderr);
    const address = start.stdout.toString();
    assert.match(address, /^unix:\/\/\/.+\/s\/[0-9a-f]{32,64}$/, 'stdout is the address and nothing else');
    assert.equal(start.stderr, '');
    assert.equal(fs.readFileSync(path.join(bundle, 'address'), 'utf8'), address);
    const shimPid = Number(fs.readFileSync(path.join(bundle, 'shim.pid'), 'utf8'));
    assert.ok(shimPid > 0);

    client = await TtrpcClient.connect(address);
    assert.deepEqual(await client.callTyped(TASK, 'Connect', { id: 'c1' }), { shimPid, taskPid: 0, version: '' });
    await assert.rejects(client.callTyped(TASK, 'State', { id: 'c1' }), { code: 5, message: 'task c1: not found' });
    await assert.rejects(client.callTyped(TASK, 'State', { id: 'other' }), { code: 5, message: 'task other: not found' });
    // before Create there is no container, hence no cgroup to read (the runc shim's errdefs text)
    await assert.rejects(client.callTyped(TASK, 'Stats', { id: 'c1' }), { code: 5, message: 'container not created: not found' });
    await assert.rejects(client.callTyped(TASK, 'Checkpoint', { id: 'c1' }), { code: 12, message: 'checkpoint: not implemented' });
    // a second start for the same id answers with the shim that serves it
    const again = await runShim([...flags, 'start'], bundle, {});
    assert.equal(again.stdout.toString(), address);

    // no task was created: Shutdown ends the shim and takes its socket away
    await client.callTyped(TASK, 'Shutdown', { id: 'c1' });
    const socketPath = address.slice('unix://'.length);
    const deadline = Date.now() + 10_000;
    while (fs.existsSync(socketPath) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(fs.existsSync(socketPath), false, 'socket removed');
    let alive = true;
    while (alive && Date.now() < deadline) {
      try {
        process.kill(shimPid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, 'the serving shim exited');

    // delete, as containerd runs it for a dead shim: an encoded DeleteResponse on stdout
    fs.writeFileSync(path.join(bundle, 'init.pid'), '4242');
    // a runtime of our own first in PATH, so that no real runc state is touched: it knows no container
    fs.writeFileSync(path.join(dir, 'runc'), '#!/bin/sh\necho "container does not exist" >&2\nexit 1\n', { mode: 0o755 });
    const del = await runShim([...flags, '-bundle', bundle, 'delete'], bundle, { PATH: `${dir}:${process.env.PATH}` });
    assert.equal(del.code, 0, del.stderr);
    const res = decode<{ pid: number; exitStatus: number; exitedAt: { seconds: number } }>('containerd.task.v2.DeleteResponse', del.stdout);
    assert.equal(res.pid, 4242);
    assert.equal(res.exitStatus, 137);
    assert.ok(Math.abs(res.exitedAt.seconds - Date.now() / 1000) < 60);
  } finally {
    client?.close();
    await events.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
