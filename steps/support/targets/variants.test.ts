// The variants are data: these checks keep each swap consistent (flag, binary, role name), so that
// process assertions on a variant still name the process that plays the role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTarget, targetNames } from './index.js';
import { dockerTarget } from './docker.js';
import { referenceTarget } from './reference.js';
import { runscRuntime } from './runsc.js';
import { ROLES } from './types.js';
import { bundleInstalled, bundleRoot } from './bundles.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const swaps = {
  'docker+ref-init': { role: 'docker-init', from: referenceTarget, base: dockerTarget },
  'docker+ref-proxy': { role: 'docker-proxy', from: referenceTarget, base: dockerTarget },
  'docker+ref-runc': { role: 'runc', from: referenceTarget, base: dockerTarget },
  'docker+ref-shim': { role: 'containerd-shim', from: referenceTarget, base: dockerTarget },
  'reference+runc': { role: 'runc', from: dockerTarget, base: referenceTarget },
  'reference+tini': { role: 'docker-init', from: dockerTarget, base: referenceTarget },
  'reference+docker-proxy': { role: 'docker-proxy', from: dockerTarget, base: referenceTarget },
  'docker+runsc': { role: 'runc', from: runscRuntime, base: dockerTarget },
} as const;

test('every variant is registered, swaps exactly one role, and has default tags', () => {
  for (const [name, s] of Object.entries(swaps)) {
    assert.ok(targetNames().includes(name), name);
    const info = getTarget(name).info;
    assert.equal(info.name, name);
    assert.equal(info.mode, 'managed');
    assert.ok(info.defaultTags, `${name} has default tags`);
    for (const role of ROLES) {
      const owner = role === s.role ? s.from : s.base;
      assert.equal(info.roleNames[role], owner.roleNames[role], `${name}: process name of ${role}`);
      assert.equal(info.binaryPath(role), owner.binaryPath(role), `${name}: binary of ${role}`);
    }
  }
});

test('the base targets run everything by default', () => {
  assert.equal(getTarget('docker').info.defaultTags, undefined);
  assert.equal(getTarget('docker26').info.defaultTags, undefined);
  assert.equal(getTarget('reference').info.defaultTags, undefined);
});

test('docker26 has Docker\'s process names and takes its binaries from the bundle first', () => {
  const info = getTarget('docker26').info;
  assert.equal(info.mode, 'managed');
  assert.deepEqual(info.roleNames, dockerTarget.roleNames);
  const root = bundleRoot('docker26');
  assert.equal(info.binaryPath('dockerd').startsWith(root), bundleInstalled('docker26'));
  // Debian 12's runc: the bundle has none
  assert.ok(!info.binaryPath('runc').startsWith(root));
  const dir = mkdtempSync(join(tmpdir(), 'dsp-ext-'));
  const { argv } = info.externalContainerd(dir);
  rmSync(dir, { recursive: true });
  assert.equal(argv[0], 'env');
  assert.match(argv[1], new RegExp(`^PATH=${root}/usr/sbin:${root}/usr/bin:`));
});
