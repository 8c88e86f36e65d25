import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  FAULTS,
  FAULTS_ENV,
  UnknownFaultError,
  faultEnabled,
  faultTags,
  initFaultBinary,
  initFaultMacro,
  parseFaults,
  type Area,
} from './faults.js';

// Compiled to dist/lib/faults.test.js: the sources are two levels up.
const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

test('parseFaults reads a comma-separated list, trims it and drops empty names and repeats', () => {
  assert.deepEqual(parseFaults(undefined), []);
  assert.deepEqual(parseFaults(''), []);
  assert.deepEqual(parseFaults(' init-no-reap , ,shim-not-subreaper,init-no-reap,'), ['init-no-reap', 'shim-not-subreaper']);
});

test('parseFaults refuses unknown names and names every one of them', () => {
  assert.throws(() => parseFaults('init-no-reap,bogus,Init-No-Reap'), (err: unknown) => {
    assert.ok(err instanceof UnknownFaultError);
    assert.deepEqual(err.unknown, ['bogus', 'Init-No-Reap']);
    assert.match(err.message, /DOCKSPEC_FAULTS names unknown faults "bogus", "Init-No-Reap"; known faults: .*init-no-reap/);
    return true;
  });
});

test('faultEnabled is off unless the variable names the fault exactly', () => {
  assert.equal(faultEnabled('init-no-reap', {}), false);
  assert.equal(faultEnabled('init-no-reap', { [FAULTS_ENV]: '' }), false);
  assert.equal(faultEnabled('init-no-reap', { [FAULTS_ENV]: 'init-no-reap-extra,no-init-no-reap' }), false);
  assert.equal(faultEnabled('init-no-reap', { [FAULTS_ENV]: 'shim-not-subreaper, init-no-reap' }), true);
  // An unknown neighbour does not stop a component deep in the tree; the daemons refuse it at start.
  assert.equal(faultEnabled('init-no-reap', { [FAULTS_ENV]: 'bogus,init-no-reap' }), true);
});

test('the registry: at least 12 faults, unique names, every area covered, one line each', () => {
  assert.ok(FAULTS.length >= 12, `${FAULTS.length} faults`);
  assert.equal(new Set(FAULTS.map((f) => f.name)).size, FAULTS.length);
  const areas: Area[] = ['transports', 'init', 'proxy', 'daemons', 'shim', 'runtime', 'isolation', 'events', 'restart'];
  for (const a of areas) assert.ok(FAULTS.some((f) => (f.areas as readonly string[]).includes(a)), `no fault for @${a}`);
  for (const f of FAULTS) {
    assert.match(f.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(!f.breaks.includes('\n') && f.breaks.length > 10, f.name);
    assert.ok(existsSync(features(f.areas[0]!)), `features/${f.areas[0]} for ${f.name}`);
  }
  assert.equal(faultTags({ name: 'x', areas: ['init', 'shim'], breaks: '', component: '' }), '@init or @shim');
});

function features(area: string): string {
  return repo(`features/${area}`);
}

test('every fault is honoured somewhere: a faultEnabled call or an #ifdef in the component it names', () => {
  for (const f of FAULTS) {
    const file = /\(([^,)]+)/.exec(f.component)?.[1];
    assert.ok(file, `${f.name}: component names no file`);
    const source = readFileSync(repo(file), 'utf8');
    const honoured = file.endsWith('.c') ? source.includes(`#ifdef ${initFaultMacro(f.name)}`) : source.includes(`'${f.name}'`);
    assert.ok(honoured, `${f.name} is not switched in ${file}`);
  }
});

test('the init faults have their own static builds', () => {
  for (const f of FAULTS.filter((x) => x.component.startsWith('ref-docker-init'))) {
    assert.ok(existsSync(repo(`dist/native/faults/${initFaultBinary(f.name)}`)), `${initFaultBinary(f.name)} (node scripts/build-native.mjs)`);
  }
});

test('ref-dockerd stops at once on an unknown fault name, with a message that lists the known ones', () => {
  const r = spawnSync(process.execPath, [repo('dist/bin/ref-dockerd.js'), '--pidfile', '/nonexistent/dir/x.pid'], {
    env: { ...process.env, [FAULTS_ENV]: 'init-no-reap,no-such-fault' },
    encoding: 'utf8',
    timeout: 20000,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ref-dockerd: DOCKSPEC_FAULTS names unknown fault "no-such-fault"; known faults: /);
});
