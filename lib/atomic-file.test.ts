import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJson, writeJsonAtomic } from './atomic-file.js';

test('a torn write leaves the previous state readable', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
  const file = path.join(dir, 'config.v2.json');
  writeJsonAtomic(file, { State: { Status: 'running', Pid: 42 } });
  // a crash in the middle of the next write: half a temporary file, no rename
  const next = JSON.stringify({ State: { Status: 'exited', Pid: 0 } });
  fs.writeFileSync(`${file}.tmp-99999-abcdef`, next.slice(0, next.length / 2));
  assert.deepEqual(readJson(file), { State: { Status: 'running', Pid: 42 } });
  assert.deepEqual(fs.readdirSync(dir), ['config.v2.json'], 'the torn temporary file is cleaned up');
  writeJsonAtomic(file, { State: { Status: 'exited', Pid: 0 } });
  assert.deepEqual(readJson(file), { State: { Status: 'exited', Pid: 0 } });
  fs.rmSync(dir, { recursive: true });
});

test('an absent state file reads as undefined', () => {
  assert.equal(readJson('/nonexistent-dir/x.json'), undefined);
});

test('a corrupt file reads as absent only when asked; a non-durable write is atomic too', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
  const file = path.join(dir, 'local-kv.json');
  fs.writeFileSync(file, '{"networks":');
  assert.throws(() => readJson(file), SyntaxError);
  assert.equal(readJson(file, { corruptAsAbsent: true }), undefined);
  writeJsonAtomic(file, { networks: {} }, { durable: false });
  assert.deepEqual(readJson(file), { networks: {} });
  assert.deepEqual(fs.readdirSync(dir), ['local-kv.json']);
  fs.rmSync(dir, { recursive: true });
});
