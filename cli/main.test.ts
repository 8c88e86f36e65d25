// The command line as a user meets it: per-command options, usage errors, help and version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT, dockspecVersion } from './project.js';

function dockspec(...args: string[]) {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'dist', 'bin', 'dockspec.js'), ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('an unknown flag is refused with the command\'s usage and exit 2, before anything runs', () => {
  const r = dockspec('run', '--bogus');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown option '--bogus'/);
  assert.match(r.stderr, /dockspec run \[--target/);
  // flags of other commands are not silently taken either
  for (const [cmd, flag] of [['run', '--dry-run'], ['run', '--fault'], ['doctor', '--tags'], ['list', '--parallel']]) {
    const x = dockspec(cmd!, flag!, ...(flag === '--dry-run' ? [] : ['x']));
    assert.equal(x.code, 2, `${cmd} ${flag}`);
    assert.match(x.stderr, new RegExp(`dockspec ${cmd}`));
  }
});

test('--version, help COMMAND and COMMAND --help', () => {
  assert.deepEqual([dockspec('--version').code, dockspec('--version').stdout], [0, `dockspec ${dockspecVersion()}\n`]);
  const help = dockspec('help', 'run');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--rerun/);
  const soak = dockspec('soak', '--help');
  assert.equal(soak.code, 0);
  assert.match(soak.stdout, /dockspec soak/);
  assert.doesNotMatch(soak.stdout + soak.stderr, /at .*\.js:\d+/, 'no stack trace');
  assert.equal(dockspec('help', 'nope').code, 2);
  assert.equal(dockspec('nope').code, 2);
  const overview = dockspec();
  assert.equal(overview.code, 2);
  assert.match(overview.stderr, /list +list the scenarios/);
});

test('list shows what a run would run, with ids, through cucumber\'s own selection', () => {
  const r = dockspec('list', '--tags', '@proxy');
  assert.equal(r.code, 0);
  const lines = r.stdout.trim().split('\n');
  const last = lines.pop()!;
  const n = Number(/^(\d+) scenarios/.exec(last)?.[1]);
  assert.ok(n > 0 && lines.length === n, last);
  for (const l of lines) assert.match(l, /^proxy\.[a-z0-9-]+ +features\/proxy\/\S+\.feature:\d+ +\S/);
  const half = dockspec('list', '--tags', '@proxy', '--shard', '1/2', '--json');
  assert.equal(half.code, 0);
  assert.equal(JSON.parse(half.stdout).length, Math.ceil(n / 2));
  const bad = dockspec('list', '--tags', '@proxy and');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /could not be parsed/);
});
