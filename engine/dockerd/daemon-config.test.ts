import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, flagErrorText, parseFlags } from './daemon-config.js';

test('flags in cobra\'s spellings', () => {
  const c = parseFlags(['-H', 'unix:///a.sock', '--host=tcp://127.0.0.1:2375', '-Hfd://', '--data-root', '/d', '--userland-proxy=false', '--init', '-D', '--add-runtime', 'x=/bin/x']);
  assert.deepEqual(c.hosts, ['unix:///a.sock', 'tcp://127.0.0.1:2375', 'fd://']);
  assert.equal(c.dataRoot, '/d');
  assert.equal(c.userlandProxy, false);
  assert.equal(c.init, true);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.runtimes.x, '/bin/x');
  assert.match(c.runtimes.runc, /native\/ref-runc$/);
  assert.equal(c.defaultRuntime, 'runc');
});

test('an unknown flag is reported in dockerd\'s shape', () => {
  assert.throws(() => parseFlags(['--bogus']), (e: unknown) => e instanceof FlagError && flagErrorText(e) === "Status: unknown flag: --bogus\nSee 'dockerd --help'., Code: 125\n");
  assert.throws(() => parseFlags(['--data-root']), /flag needs an argument: --data-root/);
  assert.throws(() => parseFlags(['--default-runtime', 'nope']), /specified default runtime 'nope' does not exist/);
});

test('--cgroup-parent as given, /docker without it (dockerd\'s default with cgroupfs)', () => {
  assert.equal(parseFlags(['--cgroup-parent', 'dockspec-1']).cgroupParent, 'dockspec-1');
  assert.equal(parseFlags(['--cgroup-parent=/x']).cgroupParent, '/x');
  assert.equal(parseFlags([]).cgroupParent, '/docker');
});
