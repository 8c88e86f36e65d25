// The private apt configuration must name the mirror the system already uses (the machine may reach
// no other), and the right bundles must follow from the targets named on the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mirrorOfDeb822, mirrorOfOneLine, systemMirror } from './fetch-bundle.js';
import { bundlesOf, requirementTarget } from './bundle-deps.js';

const deb822 = `Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main

Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main
`;

test('the archive of a .sources file, not its security archive', () => {
  assert.equal(mirrorOfDeb822(deb822), 'http://mirror.example/debian');
  assert.equal(mirrorOfDeb822('Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\n'), undefined);
});

test('the archive of a one-line sources.list', () => {
  const list = '# comment\ndeb http://security.debian.org/debian-security bookworm-security main\ndeb [arch=amd64] http://ftp.de.debian.org/debian bookworm main\n';
  assert.equal(mirrorOfOneLine(list), 'http://ftp.de.debian.org/debian');
});

test('files are read in order; without a Debian archive, deb.debian.org', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-mirror-'));
  writeFileSync(join(dir, 'a.sources'), 'Types: deb\nURIs: https://packages.cloud.google.com/apt\nSuites: cloud-sdk main\n');
  writeFileSync(join(dir, 'b.sources'), deb822);
  assert.equal(systemMirror([join(dir, 'missing.list'), join(dir, 'a.sources'), join(dir, 'b.sources')]), 'http://mirror.example/debian');
  assert.equal(systemMirror([join(dir, 'a.sources')]), 'http://deb.debian.org/debian');
});

test('docker26 needs its bundle and docker\'s packages; a runsc variant needs the runsc bundle', () => {
  assert.deepEqual(bundlesOf(['reference', 'docker']), []);
  assert.deepEqual(bundlesOf(['docker26']), ['docker26']);
  assert.deepEqual(bundlesOf(['docker+runsc', 'docker26']), ['runsc', 'docker26']);
  assert.equal(requirementTarget('docker26'), 'docker');
  assert.equal(requirementTarget('docker+runsc'), 'docker');
  assert.equal(requirementTarget('reference+tini'), 'reference');
});
