import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathWithThisNode } from './node-path.js';

test('the running node goes first in PATH unless PATH already finds it first', () => {
  const work = mkdtempSync(join(tmpdir(), 'dockspec-node-path-'));
  try {
    const other = join(work, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'node'), '#!/bin/sh\necho other\n');
    chmodSync(join(other, 'node'), 0o755);
    const path = `${other}:/usr/bin:/bin`;
    const pinned = pathWithThisNode(path);
    assert.equal(pinned.split(':')[0], dirname(process.execPath));
    assert.ok(pinned.endsWith(`${other}:/usr/bin:/bin`.replace(`:${dirname(process.execPath)}`, '')));
    // already first (through a symlink): PATH stays as it was
    const same = join(work, 'same');
    mkdirSync(same);
    symlinkSync(process.execPath, join(same, 'node'));
    assert.equal(pathWithThisNode(`${same}:${other}`), `${same}:${other}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
