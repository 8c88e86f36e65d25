// ref-docker-init as a subreaper (-s) outside a container: the same code paths as PID 1, since
// orphans are re-parented to it either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const INIT = fileURLToPath(new URL('../../native/ref-docker-init', import.meta.url));
const skip = existsSync(INIT) ? false : 'ref-docker-init is not built (node scripts/build-native.mjs)';

function run(...args: string[]) {
  return spawnSync(INIT, args, { encoding: 'utf8', timeout: 10_000 });
}

function childrenOf(pid: number): Array<{ pid: number; state: string }> {
  const found: Array<{ pid: number; state: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) found.push({ pid: Number(name), state: fields[0]! });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

test('--version prints the version in the shape dockerd parses for docker info', { skip }, () => {
  const r = run('--version');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^ref-docker-init version 0\.1\.0 - git\.\w+\n$/);
});

test('the exit code passes through, and a killed child gives 128+signal', { skip }, () => {
  assert.equal(run('-s', '--', 'sh', '-c', 'exit 3').status, 3);
  assert.equal(run('-s', '--', 'sh', '-c', 'kill -TERM $$').status, 143);
  assert.equal(run('-s', '--', 'sh', '-c', 'kill -KILL $$').status, 137);
});

test('a command that cannot be run exits 127 (not found) or 126 (not executable)', { skip }, () => {
  const missing = run('-s', '--', 'no-such-command-dockspec');
  assert.equal(missing.status, 127);
  assert.match(missing.stderr, /exec no-such-command-dockspec failed: No such file or directory/);
  assert.equal(run('-s', '--', fileURLToPath(import.meta.url)).status, 126, 'a file without an x bit');
  assert.equal(run().status, 1, 'no command is a usage error');
});

test('the command runs in its own process group', { skip }, () => {
  const r = run('-s', '--', 'sh', '-c', 'echo $$ $(cut -d" " -f5 /proc/$$/stat)');
  const [pid, pgid] = r.stdout.trim().split(' ');
  assert.equal(pid, pgid);
});

test('SIGTERM to the init reaches the command, which ends the init with 143', { skip }, async () => {
  const init = spawn(INIT, ['-s', '--', 'sleep', '30'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  init.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => init.on('exit', (c) => resolve(c)));
  assert.equal(code, 143);
  assert.ok(Date.now() - started < 2000, 'the command ended at once, not after a timeout');
});

test('orphans are reaped: no zombie is left under the init', { skip }, async () => {
  // The subshell's sleep is orphaned at once and exits after 0.2 s while the command still runs.
  const init = spawn(INIT, ['-s', '--', 'sh', '-c', '(sleep 0.2 &) ; exec sleep 1'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 600));
  const zombies = childrenOf(init.pid!).filter((c) => c.state === 'Z');
  const exited = new Promise((resolve) => init.on('exit', resolve));
  assert.deepEqual(zombies, []);
  assert.equal(childrenOf(init.pid!).length, 1, 'only the command itself remains');
  await exited;
});
