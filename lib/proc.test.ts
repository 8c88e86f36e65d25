import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { parseStat, parseCmdline, parseNSpid, parseTcpListeners, readProcess, descendantsOf, listenersOnPort, isAlive, processName, pidFileHolderAlive, readPidFile } from './proc.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('parseStat keeps a comm that holds spaces and parentheses', () => {
  const s = parseStat('4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 200');
  assert.equal(s.pid, 4242);
  assert.equal(s.comm, 'my (odd) name');
  assert.equal(s.state, 'S');
  assert.equal(s.ppid, 1);
  assert.equal(s.pgid, 4242);
  assert.equal(s.sid, 4242);
  assert.equal(s.startTime, 98765);
});

test('parseCmdline splits NUL-separated argv and a rewritten process title', () => {
  assert.deepEqual(parseCmdline('sleep\u000030\u0000'), ['sleep', '30']);
  assert.deepEqual(parseCmdline('ref-dockerd -H unix:///x.sock\u0000\u0000\u0000'), ['ref-dockerd', '-H', 'unix:///x.sock']);
  assert.deepEqual(parseCmdline(''), []);
});

test('parseNSpid lists the pid in every nested namespace', () => {
  assert.deepEqual(parseNSpid('Name:\tsh\nNSpid:\t3179\t1\nNSgid:\t1\n'), [3179, 1]);
  assert.deepEqual(parseNSpid('Name:\tsh\n'), []);
});

test('parseTcpListeners decodes IPv4 and IPv6 listeners and skips other states', () => {
  const v4 = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0',
    '   1: 0100007F:1F91 0100007F:C000 01 00000000:00000000 00:00000000 00000000     0        0 112 1 0 100 0 0 10 0',
  ].join('\n');
  assert.deepEqual(parseTcpListeners(v4, 4), [{ address: '127.0.0.1', port: 8080, family: 4, inode: 111 }]);
  const v6 = [
    'header',
    '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0',
    '   1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 223 1 0',
  ].join('\n');
  assert.deepEqual(parseTcpListeners(v6, 6), [
    { address: '::', port: 8080, family: 6, inode: 222 },
    { address: '::1', port: 80, family: 6, inode: 223 },
  ]);
});

test('readProcess and descendantsOf see a real child and grandchild', async () => {
  const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const me = readProcess(child.pid!);
    assert.ok(me);
    assert.equal(me.ppid, process.pid);
    assert.equal(processName(me), 'sh');
    const below = descendantsOf(process.pid).map((p) => p.argv.join(' '));
    assert.ok(below.includes('sleep 30'), `no "sleep 30" among ${below.join(', ')}`);
    assert.ok(isAlive(child.pid!, me.startTime));
    assert.equal(isAlive(child.pid!, me.startTime + 1), false);
  } finally {
    // Grandchildren first: once sh is gone its sleep would be re-parented out of our reach.
    for (const p of descendantsOf(child.pid!)) process.kill(p.pid, 'SIGKILL');
    child.kill('SIGKILL');
  }
});

test('pidFileHolderAlive: a live process holds a pid file; a zombie, our own pid and no pid do not', async () => {
  // The background sleep exits under a parent that never waits (sh execs sleep 30): a zombie.
  const child = spawn('sh', ['-c', 'sleep 0.1 & exec sleep 30'], { stdio: 'ignore' });
  try {
    let zombie: number | undefined;
    for (let i = 0; i < 50 && zombie === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      zombie = descendantsOf(child.pid!).find((p) => p.state === 'Z')?.pid;
    }
    assert.ok(zombie, 'no zombie below the child');
    assert.equal(pidFileHolderAlive(child.pid!), true);
    assert.equal(pidFileHolderAlive(zombie), false);
    assert.equal(pidFileHolderAlive(process.pid), false);
    assert.equal(pidFileHolderAlive(0), false);
    assert.equal(pidFileHolderAlive(Number('not a pid')), false);
    assert.equal(pidFileHolderAlive(2 ** 22 + 1), false); // above the kernel's largest pid_max
  } finally {
    child.kill('SIGKILL');
  }
});

test('readPidFile: the pid, or 0 for a missing file or one without a pid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pidfile-'));
  try {
    writeFileSync(join(dir, 'ok'), '4242\n');
    writeFileSync(join(dir, 'bad'), 'x');
    writeFileSync(join(dir, 'empty'), '');
    assert.equal(readPidFile(join(dir, 'ok')), 4242);
    assert.equal(readPidFile(join(dir, 'bad')), 0);
    assert.equal(readPidFile(join(dir, 'empty')), 0);
    assert.equal(readPidFile(join(dir, 'missing')), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('listenersOnPort finds this process listening', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const owners = listenersOnPort(port);
    assert.ok(owners.some((o) => o.process.pid === process.pid && o.listener.address === '127.0.0.1'));
  } finally {
    server.close();
  }
});
