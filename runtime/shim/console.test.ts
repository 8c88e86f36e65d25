import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConsoleIo } from './console.js';
import { mkfifo } from '../../lib/libc.js';

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import socket; socket.send_fds'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// Plays the runtime: makes a pty, sends the master over the console socket as runc does (one
// message, SCM_RIGHTS), writes to the slave, and echoes back one line it reads from the slave.
const RUNTIME = `
import os, socket, sys, tty
master, slave = os.openpty()
tty.setraw(slave)
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
socket.send_fds(s, [b'/dev/ptmx'], [master])
os.close(master)
s.close()
os.write(slave, b'hello from the terminal\\n')
line = b''
while not line.endswith(b'\\n'):
    line += os.read(slave, 1)
os.write(slave, b'got ' + line)
`;

test('the shim takes the pty master from the console socket and copies it to and from the FIFOs', { skip: !hasPython && 'needs python3 (socket.send_fds) to play the runtime' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-'));
  const paths = { stdin: path.join(dir, 'stdin'), stdout: path.join(dir, 'stdout'), stderr: '' };
  mkfifo(paths.stdin);
  mkfifo(paths.stdout);
  const out = new net.Socket({ fd: fs.openSync(paths.stdout, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK), readable: true, writable: false });
  let seen = '';
  out.on('data', (b: Buffer) => (seen += b.toString()));
  const io = new ConsoleIo(paths);
  const runtime = spawn('python3', ['-c', RUNTIME, io.socket.path], { stdio: 'inherit' });
  try {
    await io.afterRuntime();
    assert.equal(fs.existsSync(io.socket.path), false, 'the console socket is removed once the master has come');
    const deadline = Date.now() + 5000;
    while (!seen.includes('hello from the terminal') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(seen, /hello from the terminal/);
    io.resize(100, 40); // while the process still holds the terminal
    const input = new net.Socket({ fd: fs.openSync(paths.stdin, fs.constants.O_RDWR), readable: false, writable: true });
    input.write('typed\n');
    while (!seen.includes('got typed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(seen, /got typed/);
    input.destroy();
  } finally {
    runtime.kill();
    io.close();
    await new Promise((r) => setTimeout(r, 100));
    out.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
