// The native start step (runtime/shim/ref-containerd-shim.c) against the TypeScript shim's own
// rules: the socket where api/shim-address.ts puts it (its SHA-256 is the C one's), the address on
// stdout and in the bundle's `address` file, shim.pid naming a serving shim that holds the socket,
// and a second `start` for the same id answering with that shim instead of launching another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { shimSocketPath } from '../../api/shim-address.js';

const native = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../native/ref-containerd-shim');

function start(bundle: string, address: string, id: string) {
  return spawnSync(native, ['-namespace', 'moby', '-address', address, '-publish-binary', '/usr/bin/containerd', '-id', id, 'start'], {
    cwd: bundle,
    input: Buffer.from([0x0a, 0x00]), // containerd writes the runtime options to stdin
    encoding: 'utf8',
  });
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath, () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

test('native start step: the socket, address and pid the TypeScript shim would give; a second start reuses the shim', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ref-shim-start-'));
  const bundle = path.join(root, 'bundle');
  fs.mkdirSync(bundle);
  // long enough that the hash is shortened, as it is under deep engine roots
  const sockDir = path.join(root, 'x'.repeat(20));
  const address = `unix://${path.join(sockDir, 'containerd.sock')}`;
  const id = 'c'.repeat(64);
  let pid = 0;
  try {
    const first = start(bundle, address, id);
    assert.equal(first.status, 0, first.stderr);
    const expected = shimSocketPath(address, 'moby', id);
    assert.equal(first.stdout, `unix://${expected}`);
    assert.equal(first.stderr, '');
    assert.equal(fs.readFileSync(path.join(bundle, 'address'), 'utf8'), `unix://${expected}`);
    assert.equal((fs.statSync(expected).mode & 0o777).toString(8), '600');
    pid = Number(fs.readFileSync(path.join(bundle, 'shim.pid'), 'utf8'));
    assert.ok(pid > 0 && fs.existsSync(`/proc/${pid}`));
    // the socket listens (containerd may connect at once; the serving shim accepts when it has booted)
    assert.ok(await answers(expected));
    const again = start(bundle, address, id);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, `unix://${expected}`);
    assert.equal(Number(fs.readFileSync(path.join(bundle, 'shim.pid'), 'utf8')), pid);
  } finally {
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
});
