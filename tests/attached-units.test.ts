// The pieces of attached mode that need no engine: how a remote /proc dump is read, how ssh is
// called, and the rule that keeps every container of the suite removable by its scenario's suffix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProcessDump, sshArgs } from '../harness/targets/host-view.js';
import { withLock } from '../harness/targets/attached-engine.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('a /proc dump taken through ssh reads as lib/proc reads /proc', () => {
  const dump = [
    '1/stat:1 (systemd) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0',
    '4242/stat:4242 (sleep 30) S 4200 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0',
    '@@dockspec@@',
    '1/status:NSpid:\t1',
    '4242/status:NSpid:\t4242\t1',
    '@@dockspec@@',
    '1/cmdline:/sbin/init\x01',
    '4242/cmdline:sleep\x0130\x01',
    '',
  ].join('\n');
  const procs = parseProcessDump(dump);
  assert.deepEqual(procs.find((p) => p.pid === 4242), { pid: 4242, comm: 'sleep 30', state: 'S', ppid: 4200, pgid: 4242, sid: 4242, startTime: 777, argv: ['sleep', '30'], nspid: [4242, 1] });
  assert.deepEqual(procs.find((p) => p.pid === 1)?.argv, ['/sbin/init']);
});

// Seen: with --parallel 2 both workers release the engine at once; the first removed the engine's
// directory after its release, and the second then waited on the lock until AfterAll timed out.
test('a worker waiting on the engine lock takes it even when the holder removed the engine directory', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dockspec-lock-'));
  const dir = join(root, 'engine');
  try {
    let letGo!: () => void;
    const held = withLock(dir, () => new Promise<void>((resolve) => (letGo = resolve)));
    const waiting = withLock(dir, async () => 'taken');
    await new Promise((r) => setTimeout(r, 120));
    letGo();
    await held;
    rmdirSync(dir); // what release() does once nothing is recorded in it
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('the lock was never taken')), 5000));
    assert.equal(await Promise.race([waiting, timeout]), 'taken');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ssh is called as the docker CLI calls it', () => {
  assert.deepEqual(sshArgs('ssh://root@127.0.0.1:2222'), ['-l', 'root', '-p', '2222', '--', '127.0.0.1']);
  assert.deepEqual(sshArgs('ssh://build-host'), ['--', 'build-host']);
});

test('every container a feature makes is named with a placeholder, or removes itself (--rm)', () => {
  const dir = join(ROOT, 'features');
  const offenders: string[] = [];
  for (const area of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of readdirSync(join(dir, area.name)).filter((n) => n.endsWith('.feature'))) {
      readFileSync(join(dir, area.name, f), 'utf8').split('\n').forEach((line, i) => {
        if (!/^\s*(Given|When|Then|And|But)\b/.test(line)) return;
        for (const m of line.matchAll(/docker (run|create)\b[^"]*/g)) {
          if (!/--name[ =]<[a-z][a-z0-9_]*>/.test(m[0]) && !/--rm\b/.test(m[0])) offenders.push(`features/${area.name}/${f}:${i + 1}: ${m[0].trim()}`);
        }
        // A literal --name would collide between scenarios that share an engine.
        if (/--name[ =][a-z]/i.test(line)) offenders.push(`features/${area.name}/${f}:${i + 1}: literal --name`);
      });
    }
  }
  assert.deepEqual(offenders, []);
});
