// The variants are data: these checks keep each swap consistent (flag, binary, role name), so that
// process assertions on a variant still name the process that plays the role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTarget, targetNames } from './index.js';
import { dockerTarget } from './docker.js';
import { referenceTarget } from './reference.js';
import { runscRuntime } from './runsc.js';
import { ROLES, Role } from './types.js';
import { bundleInstalled, bundleRoot } from './bundles.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// containerd comes with what it runs: its shim, and the runtime the shim runs
const CONTAINERD: Role[] = ['containerd', 'containerd-shim', 'runc'];

const swaps: Record<string, { roles: Role[]; from: { roleNames: Partial<Record<Role, string>>; binaryPath(r: Role): string }; base: typeof dockerTarget }> = {
  'docker+ref-init': { roles: ['docker-init'], from: referenceTarget, base: dockerTarget },
  'docker+ref-proxy': { roles: ['docker-proxy'], from: referenceTarget, base: dockerTarget },
  'docker+ref-runc': { roles: ['runc'], from: referenceTarget, base: dockerTarget },
  'docker+ref-shim': { roles: ['containerd-shim'], from: referenceTarget, base: dockerTarget },
  'docker+ref-containerd': { roles: CONTAINERD, from: referenceTarget, base: dockerTarget },
  'reference+shim': { roles: ['containerd-shim'], from: dockerTarget, base: referenceTarget },
  'reference+containerd': { roles: CONTAINERD, from: dockerTarget, base: referenceTarget },
  'reference+runc': { roles: ['runc'], from: dockerTarget, base: referenceTarget },
  'reference+tini': { roles: ['docker-init'], from: dockerTarget, base: referenceTarget },
  'reference+docker-proxy': { roles: ['docker-proxy'], from: dockerTarget, base: referenceTarget },
  'docker+runsc': { roles: ['runc'], from: runscRuntime, base: dockerTarget },
};

test('every variant is registered, swaps the roles it says, and has default tags', () => {
  assert.deepEqual(targetNames().filter((n) => n.includes('+')).sort(), Object.keys(swaps).sort());
  for (const [name, s] of Object.entries(swaps)) {
    assert.ok(targetNames().includes(name), name);
    const info = getTarget(name).info;
    assert.equal(info.name, name);
    assert.equal(info.mode, 'managed');
    assert.ok(info.defaultTags, `${name} has default tags`);
    for (const role of ROLES) {
      const owner = s.roles.includes(role) ? s.from : s.base;
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

test('a variant that swaps containerd runs the other engine\'s containerd beside the daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-ext-'));
  try {
    // real dockerd on ref-containerd, whose PATH has ref-containerd-shim first
    const onRef = getTarget('docker+ref-containerd').info.externalContainerd(dir);
    assert.ok(onRef.argv.includes(referenceTarget.binaryPath('containerd')));
    assert.equal(onRef.address, join(dir, 'containerd.sock'));
    // ref-dockerd on real containerd with a private config, root and state
    const onReal = getTarget('reference+containerd').info.externalContainerd(dir);
    assert.equal(onReal.argv[0], dockerTarget.binaryPath('containerd'));
    for (const flag of ['--config', '--root', '--state']) assert.ok(onReal.argv[onReal.argv.indexOf(flag) + 1].startsWith(dir), flag);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
