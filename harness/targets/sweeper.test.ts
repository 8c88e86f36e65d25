// Directories all engines share (/run/containerd/s) go only when nothing of another engine is in them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { threadId } from 'node:worker_threads';
import { orphaned, removeIfEmpty } from './sweeper.js';

test('shared directories are removed when empty, deepest first, and kept while another engine uses them', () => {
  const root = mkdtempSync(join(tmpdir(), 'dsp-shared-'));
  try {
    const s = join(root, 'containerd', 's');
    const plugins = join(root, 'docker', 'plugins');
    mkdirSync(s, { recursive: true });
    mkdirSync(plugins, { recursive: true });
    writeFileSync(join(s, 'another-engines-shim'), '');
    removeIfEmpty([s, join(root, 'containerd'), plugins, join(root, 'docker'), join(root, 'not-there')]);
    assert.ok(existsSync(join(s, 'another-engines-shim')), 'a busy directory stays');
    assert.ok(!existsSync(join(root, 'docker')), 'empty ones go, parents after children');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an engine is orphaned when its owner process is gone or is this worker, not when a sibling worker thread of this process owns it', () => {
  const gone = spawnSync('true').pid!;
  assert.equal(orphaned({ ownerPid: gone }), true);
  assert.equal(orphaned({ ownerPid: process.pid, ownerThread: threadId }), true);
  assert.equal(orphaned({ ownerPid: process.pid, ownerThread: threadId + 1 }), false);
  // a record written before owners named their thread
  assert.equal(orphaned({ ownerPid: process.pid }), true);
  assert.equal(orphaned({ ownerPid: process.ppid, ownerThread: threadId }), false);
});
