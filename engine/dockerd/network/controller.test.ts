// The controller against the kernel: a bridge of the test's own, an endpoint, a TCP server inside
// the endpoint's namespace, ref-docker-proxy publishing it, and nothing left afterwards. Needs root
// and iproute2/util-linux; skipped otherwise.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createNetworkController } from './controller.js';
import type { NetworkController } from './types.js';
import { DockerError } from '../errors.js';

const root = process.getuid?.() === 0;
const proxyPath = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../bin/ref-docker-proxy.js');
const tag = Math.floor(Math.random() * 0xffff).toString(16).padStart(4, '0');
const bridge = `dsnt${tag}`;
// 10.231.200-249.0/24: the test's own slice of the dev range, picked at random per run
const subnet = `10.231.${200 + Math.floor(Math.random() * 50)}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netctl-'));
const children: ChildProcess[] = [];
let ctl: NetworkController;

function links(): string[] {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n');
}

/** A TCP server inside the namespace: answers "echo:<all it got>" after the client's half-close. */
function serverInNetns(netnsPath: string, port: number): Promise<ChildProcess> {
  const code = `require('net').createServer({allowHalfOpen:true},s=>{let b='';s.on('data',d=>b+=d);s.on('end',()=>s.end('echo:'+b))}).listen(${port},()=>console.log('up'))`;
  const child = spawn('nsenter', [`--net=${netnsPath}`, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server in netns did not start within 5 s')), 5000);
    child.stdout!.once('data', () => (clearTimeout(t), resolve(child)));
  });
}

function exchange(port: number, host: string, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, allowHalfOpen: true }, () => s.end(payload));
    let b = '';
    s.on('data', (d) => (b += d));
    s.on('end', () => resolve(b));
    s.on('error', reject);
  });
}

function refused(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.on('connect', () => (s.destroy(), resolve(false)));
    s.on('error', () => resolve(true));
  });
}

before(async () => {
  if (!root) return;
  execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
  execFileSync('ip', ['link', 'set', bridge, 'up']);
  ctl = await createNetworkController({
    execRoot: path.join(dir, 'exec'),
    dataRoot: path.join(dir, 'data'),
    bridge,
    userlandProxy: true,
    userlandProxyPath: proxyPath,
  });
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (!root) return;
  // a failed test leaves its endpoints: delete them so that no mount or veth outlives the run
  for (const id of ctl?.listEndpoints?.() ?? []) await ctl.deleteEndpoint(id);
  await ctl?.close();
  execFileSync('ip', ['link', 'del', bridge]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('endpoint, published port through ref-docker-proxy, conflicts, and a clean delete', { skip: !root && 'needs root' }, async () => {
  const ep = await ctl.createEndpoint('c1'.padEnd(64, '0'), 'web1', 'bridge');
  assert.equal(ep.ipAddress, `${subnet}.2`);
  assert.equal(ep.gateway, `${subnet}.1`);
  assert.equal(ep.ipPrefixLen, 24);
  assert.match(ep.macAddress, /^02:42:0a:e7:[0-9a-f]{2}:02$/);
  assert.equal(ep.netnsPath, path.join(dir, 'exec', 'netns', ep.sandboxId!.slice(0, 12)));
  assert.match(ep.endpointId, /^[0-9a-f]{64}$/);

  const inside = execFileSync('nsenter', [`--net=${ep.netnsPath}`, 'ip', '-o', 'addr'], { encoding: 'utf8' });
  assert.match(inside, new RegExp(`eth0\\s+inet ${ep.ipAddress.replace(/\./g, '\\.')}/24 brd ${subnet}\\.255`));
  assert.match(inside, /lo\s+inet 127\.0\.0\.1\/8/);
  const route = execFileSync('nsenter', [`--net=${ep.netnsPath}`, 'ip', 'route'], { encoding: 'utf8' });
  assert.match(route, new RegExp(`default via ${subnet}\\.1 dev eth0`));
  const hostVeth = links().find((l) => new RegExp(`master ${bridge}`).test(l));
  assert.ok(hostVeth && /: veth[0-9a-f]{7}@/.test(hostVeth), `host end named veth<7 hex>: ${hostVeth}`);

  await serverInNetns(ep.netnsPath, 80);
  const published = await ctl.publishPorts(ep, 'web1', { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  assert.equal(published.length, 1);
  const port = Number(published[0]!.hostPort);
  assert.equal(published[0]!.hostIp, '127.0.0.1');
  assert.equal(published[0]!.containerPort, '80/tcp');
  assert.ok(published[0]!.proxyPid);
  const cmdline = fs.readFileSync(`/proc/${published[0]!.proxyPid}/cmdline`, 'utf8');
  assert.match(cmdline, new RegExp(`^ref-docker-proxy -proto tcp -host-ip 127\\.0\\.0\\.1 -host-port ${port} -container-ip ${subnet}\\.2 -container-port 80`));
  assert.equal(await exchange(port, '127.0.0.1', 'hello'), 'echo:hello', 'half-close passes through the proxy');

  // Exact duplicate: refused by the allocator, Docker's text, the first mapping keeps working.
  const ep2 = await ctl.createEndpoint('c2'.padEnd(64, '0'), 'web2', 'bridge');
  assert.equal(ep2.ipAddress, `${subnet}.3`);
  await assert.rejects(
    ctl.publishPorts(ep2, 'web2', { '90/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] }),
    (e) =>
      e instanceof DockerError &&
      e.statusCode === 500 &&
      e.message === `driver failed programming external connectivity on endpoint web2 (${ep2.endpointId}): Bind for 127.0.0.1:${port} failed: port is already allocated`,
  );
  // Held by a process outside the engine: the proxy's bind error, in Docker's words.
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const held = (holder.address() as net.AddressInfo).port;
  await assert.rejects(
    ctl.publishPorts(ep2, 'web2', { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(held) }] }),
    (e) =>
      e instanceof DockerError &&
      e.message ===
        `driver failed programming external connectivity on endpoint web2 (${ep2.endpointId}): Error starting userland proxy: listen tcp4 127.0.0.1:${held}: bind: address already in use`,
  );
  holder.close();
  assert.equal(await exchange(port, '127.0.0.1', 'still'), 'echo:still');

  // The same port on another loopback address is allowed.
  await serverInNetns(ep2.netnsPath, 80);
  const p2 = await ctl.publishPorts(ep2, 'web2', { '80/tcp': [{ HostIp: '127.0.0.2', HostPort: String(port) }] });
  assert.equal(await exchange(Number(p2[0]!.hostPort), '127.0.0.2', 'two'), 'echo:two');

  const pid = published[0]!.proxyPid!;
  await ctl.deleteEndpoint(ep.containerId);
  await ctl.deleteEndpoint(ep2.containerId);
  assert.ok(await refused(port, '127.0.0.1'), 'no listener left');
  assert.ok(!fs.existsSync(`/proc/${pid}`) || /State:\s+Z/.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')), 'proxy gone');
  assert.ok(!fs.existsSync(ep.netnsPath) && !fs.existsSync(ep2.netnsPath), 'no netns file');
  assert.ok(!links().some((l) => new RegExp(`master ${bridge}`).test(l)), 'no veth on the bridge');
  assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(path.join(dir, 'exec', 'netns')), 'no nsfs mount');
  assert.deepEqual(ctl.listEndpoints?.(), []);
});

test('"" host address publishes on 0.0.0.0 and :: with the same ephemeral port; none has loopback only', { skip: !root && 'needs root' }, async () => {
  const ep = await ctl.createEndpoint('c3'.padEnd(64, '0'), 'web3', 'bridge');
  await serverInNetns(ep.netnsPath, 80);
  const published = await ctl.publishPorts(ep, 'web3', { '80/tcp': [{ HostIp: '', HostPort: '' }] });
  assert.deepEqual(
    published.map((p) => [p.hostIp, p.containerPort]),
    [
      ['0.0.0.0', '80/tcp'],
      ['::', '80/tcp'],
    ],
  );
  assert.equal(published[0]!.hostPort, published[1]!.hostPort);
  const port = Number(published[0]!.hostPort);
  assert.equal(await exchange(port, '127.0.0.1', 'v4'), 'echo:v4');
  assert.equal(await exchange(port, '::1', 'v6'), 'echo:v6');
  await ctl.unpublishPorts(ep.containerId);
  assert.ok(await refused(port, '127.0.0.1'));
  await ctl.deleteEndpoint(ep.containerId);

  const none = await ctl.createEndpoint('c4'.padEnd(64, '0'), 'quiet', 'none');
  assert.equal(none.ipAddress, '');
  assert.equal(none.networkName, 'none');
  const inside = execFileSync('nsenter', [`--net=${none.netnsPath}`, 'ip', '-o', 'link'], { encoding: 'utf8' }).trim().split('\n');
  assert.equal(inside.length, 1);
  assert.match(inside[0]!, /lo: <LOOPBACK,UP,LOWER_UP>/);
  await ctl.deleteEndpoint(none.containerId);
  assert.ok(!fs.existsSync(none.netnsPath));
});

test('a restarted controller brings back the same ports for a live container (live restore)', { skip: !root && 'needs root' }, async () => {
  const id = 'c5'.padEnd(64, '0');
  const ep = await ctl.createEndpoint(id, 'web5', 'bridge');
  await serverInNetns(ep.netnsPath, 80);
  const before = await ctl.publishPorts(ep, 'web5', { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  const port = Number(before[0]!.hostPort);
  // the daemon goes away: its proxies go with it, the container and its namespace stay
  process.kill(before[0]!.proxyPid!, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(await refused(port, '127.0.0.1'));

  const again = await createNetworkController({
    execRoot: path.join(dir, 'exec'),
    dataRoot: path.join(dir, 'data'),
    bridge,
    userlandProxy: true,
    userlandProxyPath: proxyPath,
  });
  try {
    const restored = await again.restoreEndpoint!(id);
    assert.equal(restored?.ipAddress, ep.ipAddress);
    assert.equal(restored?.endpointId, ep.endpointId);
    // ref-dockerd's restore path calls publishPorts with the bindings: same ephemeral port again
    const after = await again.publishPorts(restored!, 'web5', { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    assert.equal(after[0]!.hostPort, String(port));
    assert.equal(await exchange(port, '127.0.0.1', 'back'), 'echo:back');
    // and the new controller knows the address is taken
    const other = await again.createEndpoint('c6'.padEnd(64, '0'), 'web6', 'bridge');
    assert.notEqual(other.ipAddress, ep.ipAddress);
    await again.deleteEndpoint(other.containerId);
    await again.deleteEndpoint(id);
    assert.ok(await refused(port, '127.0.0.1'));
  } finally {
    await again.close();
  }
  // the first controller's view is stale now; forget it so that after() does not double-delete
  await ctl.deleteEndpoint(id);
});

test('host networking makes nothing and reports dockerd\'s SandboxKey', { skip: !root && 'needs root' }, async () => {
  const ep = await ctl.createEndpoint('c7'.padEnd(64, '0'), 'hostnet', 'host');
  assert.equal(ep.netnsPath, '');
  assert.equal(ep.sandboxKey, path.join(dir, 'exec', 'netns', 'default'));
  assert.deepEqual(await ctl.publishPorts(ep, 'hostnet', { '80/tcp': [{ HostIp: '', HostPort: '18399' }] }), []);
  await ctl.deleteEndpoint(ep.containerId);
});

test('a namespace that no endpoint record names (a daemon killed mid-create) is removed at the next start; a recorded one stays', { skip: !root && 'needs root' }, async () => {
  const live = await ctl.createEndpoint('c5'.padEnd(64, '0'), 'kept', 'none');
  const orphan = path.join(dir, 'exec', 'netns', 'deadbeef0000');
  fs.writeFileSync(orphan, '');
  execFileSync('unshare', [`--net=${orphan}`, 'true']);
  const mounted = (f: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${f} `);
  assert.ok(mounted(orphan), 'the orphan is a mounted namespace before the restart');

  try {
    const restarted = await createNetworkController({
      execRoot: path.join(dir, 'exec'),
      dataRoot: path.join(dir, 'data'),
      bridge,
      userlandProxy: true,
      userlandProxyPath: proxyPath,
    });
    assert.ok(!mounted(orphan) && !fs.existsSync(orphan), 'the orphaned namespace is unmounted and its file removed');
    assert.ok(mounted(live.netnsPath), "the recorded endpoint's namespace stays");
    await restarted.deleteEndpoint(live.containerId);
  } finally {
    // a failed check must not leave the test's own mount behind
    if (mounted(orphan)) execFileSync('umount', [orphan]);
  }
  await ctl.deleteEndpoint(live.containerId);
  assert.ok(!mounted(live.netnsPath));
});
