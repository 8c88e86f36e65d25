// ref-docker-proxy as a process, the way dockerd drives it: fd 3 status, forwarding with
// half-close, SIGINT, and death with its parent. Each test runs on both proxies: the TypeScript one
// (dist/bin/ref-docker-proxy.js) and the native one ref-dockerd starts (dist/native/ref-docker-proxy,
// engine/proxy/ref-docker-proxy.c), which hands bind errors to the TypeScript one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const bin = path.resolve(here, '../../bin/ref-docker-proxy.js');
const native = path.resolve(here, '../../native/ref-docker-proxy');

/** How each proxy is started: the command and its arguments. */
const proxies: { name: string; command: (args: string[]) => [string, string[]] }[] = [
  { name: 'TypeScript', command: (args) => [process.execPath, [bin, ...args]] },
  { name: 'native', command: (args) => [native, args] },
];

function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function startProxy(impl: (typeof proxies)[number], args: string[]): { child: ChildProcess; status: Promise<string> } {
  const [command, argv] = impl.command(args);
  const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const status = new Promise<string>((resolve) => {
    let b = '';
    child.stdio[3]!.on('data', (d) => (b += d));
    child.stdio[3]!.on('end', () => resolve(b));
  });
  return { child, status };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}

for (const impl of proxies) {
test(`${impl.name}: reports 0 on fd 3, forwards with half-close, stops on SIGINT`, async () => {
  // the backend answers only after the client's half-close: a proxy that closed instead of ending loses the answer
  const backend = net.createServer({ allowHalfOpen: true }, (s) => {
    let b = '';
    s.on('data', (d) => (b += d));
    s.on('end', () => s.end(`got ${b.length}`));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const bport = (backend.address() as net.AddressInfo).port;
  const port = await freePort();
  const args = ['-proto', 'tcp', '-host-ip', '127.0.0.1', '-host-port', String(port), '-container-ip', '127.0.0.1', '-container-port', String(bport)];
  const { child, status } = startProxy(impl, args);
  assert.equal(await status, '0\n');
  // ps shows ref-docker-proxy and the flags (the TypeScript one as its title, the native one as argv)
  const [argv0, ...rest] = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replace(/\0+$/, '').split(/[\0 ]/);
  assert.equal(path.basename(argv0!), 'ref-docker-proxy');
  assert.deepEqual(rest, args);
  const answer = await new Promise<string>((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.end('x'.repeat(100_000)));
    let b = '';
    s.on('data', (d) => (b += d));
    s.on('end', () => resolve(b));
    s.on('error', reject);
  });
  assert.equal(answer, 'got 100000');
  child.kill('SIGINT');
  assert.equal(await exited(child), 0);
  backend.close();
});

test(`${impl.name}: a held port gives 1, the Go-style bind error, and exit 1`, async () => {
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const port = (holder.address() as net.AddressInfo).port;
  const { child, status } = startProxy(impl, ['-proto', 'tcp', '-host-ip', '127.0.0.1', '-host-port', String(port), '-container-ip', '127.0.0.1', '-container-port', '80']);
  assert.equal(await status, `1\nlisten tcp4 127.0.0.1:${port}: bind: address already in use`);
  assert.equal(await exited(child), 1);
  holder.close();
});

test(`${impl.name}: dies when its parent dies, even without PR_SET_PDEATHSIG`, async () => {
  const port = await freePort();
  // a parent that starts the proxy, prints its pid, then is SIGKILLed
  const [command, argv] = impl.command(['-proto', 'tcp', '-host-ip', '127.0.0.1', '-host-port', String(port), '-container-ip', '127.0.0.1', '-container-port', '80']);
  const code = `const c=require('child_process').spawn(${JSON.stringify(command)},${JSON.stringify(argv)},{stdio:['ignore','ignore','ignore','pipe']});c.stdio[3].once('data',()=>console.log(c.pid));setInterval(()=>{},1000)`;
  const parent = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = Number(await new Promise<string>((r) => parent.stdout!.once('data', (d) => r(String(d)))));
  assert.ok(fs.existsSync(`/proc/${pid}`));
  parent.kill('SIGKILL');
  const deadline = Date.now() + 2000;
  while (fs.existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8').toString()) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const gone = !fs.existsSync(`/proc/${pid}`) || /State:\s+Z/.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!gone) process.kill(pid, 'SIGKILL');
  assert.ok(gone, 'the proxy outlived its parent by more than 2 s');
});
}
