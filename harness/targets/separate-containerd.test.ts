import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namesContainerd } from './separate-containerd.js';

test('a scenario that names its own containerd keeps the harness from starting one', () => {
  assert.equal(namesContainerd(['--containerd', '/x.sock']), true);
  assert.equal(namesContainerd(['--containerd=/x.sock']), true);
  assert.equal(namesContainerd(['--containerd-namespace', 'x']), false);
  assert.equal(namesContainerd(['--live-restore']), false);
});
