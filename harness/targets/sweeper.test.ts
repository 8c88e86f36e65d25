// Directories all engines share (/run/containerd/s) go only when nothing of another engine is in them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeIfEmpty } from './sweeper.js';

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
