import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readExit, writeExit } from './exit-store.js';

test('the exit status survives in the bundle, and a torn write leaves the previous one', () => {
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'exit-store-'));
  try {
    assert.equal(readExit(bundle), undefined);
    const first = { pid: 42, exitStatus: 3, exitedAt: '2026-01-02T03:04:05.123456789Z' };
    writeExit(bundle, first);
    assert.deepEqual(readExit(bundle), first);
    // a crash in the middle of the next write leaves only its temporary file
    fs.writeFileSync(path.join(bundle, `exit.json.${process.pid}.tmp`), '{"pid": 4');
    assert.deepEqual(readExit(bundle), first);
    writeExit(bundle, { ...first, exitStatus: 137 });
    assert.equal(readExit(bundle)?.exitStatus, 137);
    assert.deepEqual(fs.readdirSync(bundle), ['exit.json']);
    fs.writeFileSync(path.join(bundle, 'exit.json'), 'garbage');
    assert.equal(readExit(bundle), undefined);
  } finally {
    fs.rmSync(bundle, { recursive: true, force: true });
  }
});
