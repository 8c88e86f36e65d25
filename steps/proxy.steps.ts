// Phrases about published ports and the traffic that crosses them.
// Glossary:
//   a container "X" publishing SPEC          `docker run -d -p SPEC --name X dockspec/busybox httpd …`, with
//                                            httpd on SPEC's container port; SPEC is <port>:80 or
//                                            127.0.0.1:<port>:80
//   container "X" has a bridge address <name>   it has an IPv4 address on the engine's bridge; sets <name>
//   an HTTP request to ADDR:<port> is answered by the container    GET / returns the test page (polls 10 s)
//   an HTTP request to ADDR:<port> is (still) answered by "X"      … and the proxy serving ADDR:<port>
//                                            forwards to X's address (-container-ip)
//   an HTTP request to ADDR:<port> is refused   the connection is refused
//   port <port> is free on the host          a new listener can bind it on 0.0.0.0 and on ::
//   a process outside the engine listens on ADDR:<port>   the test runner itself holds the port
//                                            until the scenario ends
//   container "X" fetches URL and gets "TEXT"   `docker exec X wget -q -O - URL` prints TEXT (polls 10 s)
import { Given, Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { request } from 'node:http';
import { createServer, Server } from 'node:net';
import { DockspecWorld } from './support/world.js';
import { eventually } from '../harness/run-command.js';
import { listenersOnPort } from '../lib/proc.js';
import { describeProcess, parseHostPort } from './support/processes.js';

/** What busybox httpd serves from the test image's /www/index.html. */
const TEST_PAGE = 'dockspec busybox httpd';

function httpGet(host: string, port: number, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function ipv4Number(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** Whether an IPv4 address lies in a CIDR such as 10.213.7.0/24. */
export function inSubnet(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4Number(ip) / size) === Math.floor(ipv4Number(net) / size);
}

/** The address to connect to for ADDR:PORT as written in a scenario ("[::1]:80" → "::1"). */
async function target(world: DockspecWorld, text: string): Promise<{ address: string; port: number }> {
  return parseHostPort(await world.resolve(text));
}

async function containerIp(world: DockspecWorld, name: string): Promise<string> {
  return world.must(`docker inspect -f '{{.NetworkSettings.IPAddress}}' ${name}`);
}

async function expectAnswered(world: DockspecWorld, hostPort: string): Promise<void> {
  const { address, port } = await target(world, hostPort);
  // The proxy accepts as soon as `docker run` returns; httpd in the container may still be starting,
  // in which case the proxy closes the connection. Retry until the page comes back.
  await eventually(`the test page from http://${hostPort}/`, async () => {
    const r = await httpGet(address, port);
    if (r.status !== 200 || !r.body.includes(TEST_PAGE)) throw new Error(`got ${r.status}: ${r.body.slice(0, 200)}`);
    return true;
  }, 10000, 200);
}

Given('a container {string} publishing {word}', async function (this: DockspecWorld, name: string, spec: string) {
  const resolved = await this.resolve(spec);
  const containerPort = resolved.split(':').pop()!.replace(/\/tcp$/, '');
  await this.must(await this.resolve(`docker run -d -p ${resolved} --name ${name} dockspec/busybox httpd -f -p ${containerPort} -h /www`));
});

Given('container {container} has a bridge address {word}', async function (this: DockspecWorld, name: string, placeholder: string) {
  const m = /^<([a-z][a-z0-9_]*)>$/.exec(placeholder);
  if (!m) throw new Error(`expected a placeholder such as <web_ip>, got ${placeholder}`);
  const ip = await containerIp(this, name);
  expect(ip, `IPv4 address of ${name}`).to.match(/^\d+\.\d+\.\d+\.\d+$/);
  const { subnet } = await this.bridge();
  expect(inSubnet(ip, subnet), `${name}'s address ${ip} should be on the engine's bridge (${subnet})`).to.equal(true);
  this.vars.set(m[1], ip);
});

Then('an HTTP request to {word} is answered by the container', async function (this: DockspecWorld, hostPort: string) {
  const skip = this.skipUnlessLocalHost('connects to a port of the engine\'s host');
  if (skip) return skip;
  await expectAnswered(this, hostPort);
});

async function answeredBy(this: DockspecWorld, hostPort: string, name: string): Promise<'skipped' | undefined> {
  const skip = this.skipUnlessLocalHost('connects to a port of the engine\'s host');
  if (skip) return skip;
  await expectAnswered(this, hostPort);
  const { address, port } = await target(this, hostPort);
  const ip = await containerIp(this, name);
  // The listener that took the connection: one on exactly this address, else the wildcard one.
  const all = await this.listProcesses();
  const proxies = new Set((await this.processesOfRole('docker-proxy', all)).map((p) => p.pid));
  const owners = (await this.host.listenersOnPort(port, all)).filter((o) => proxies.has(o.process.pid));
  const v6 = address.includes(':');
  const owner =
    owners.find((o) => o.listener.address === address) ??
    owners.find((o) => o.listener.address === (v6 ? '::' : '0.0.0.0'));
  expect(owner, `a ${this.roleName('docker-proxy')} serving ${hostPort}; listeners: ${owners.map((o) => describeProcess(o.process)).join('; ')}`).to.not.equal(undefined);
  const argv = owner!.process.argv;
  const forwardsTo = argv[argv.indexOf('-container-ip') + 1];
  expect(forwardsTo, `the proxy serving ${hostPort} (${describeProcess(owner!.process)}) should forward to ${name} at ${ip}`).to.equal(ip);
  return undefined;
}

Then('an HTTP request to {word} is answered by {container}', answeredBy);
Then('an HTTP request to {word} is still answered by {container}', answeredBy);

Then('an HTTP request to {word} is refused', async function (this: DockspecWorld, hostPort: string) {
  const skip = this.skipUnlessLocalHost('connects to a port of the engine\'s host');
  if (skip) return skip;
  const { address, port } = await target(this, hostPort);
  const outcome = await httpGet(address, port).then(
    (r) => `answered ${r.status}`,
    (err: NodeJS.ErrnoException) => err.code ?? err.message,
  );
  expect(outcome, `connecting to ${hostPort}`).to.equal('ECONNREFUSED');
});

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

Then('port {word} is free on the host', async function (this: DockspecWorld, portText: string) {
  const skip = this.skipUnlessLocalHost('binds a port of the engine\'s host');
  if (skip) return skip;
  const port = Number(await this.resolve(portText));
  const owners = listenersOnPort(port).map((o) => `${o.listener.address}: ${describeProcess(o.process)}`);
  expect({ ipv4: await bindable(port, '0.0.0.0'), ipv6: await bindable(port, '::') }, `binding port ${port}; held by: ${owners.join('; ') || 'nobody'}`).to.deep.equal({
    ipv4: true,
    ipv6: true,
  });
});

Given('a process outside the engine listens on {word}', async function (this: DockspecWorld, hostPort: string) {
  const skip = this.skipUnlessLocalHost('listens on a port of the engine\'s host');
  if (skip) return skip;
  const { address, port } = await target(this, hostPort);
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: address, exclusive: true }, () => resolve());
  });
  this.cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
});

Then('container {container} fetches {word} and gets {string}', async function (this: DockspecWorld, name: string, url: string, text: string) {
  const resolvedUrl = await this.resolve(url);
  const want = await this.resolve(text);
  await eventually(`${name} to fetch "${want}" from ${resolvedUrl}`, async () => {
    // No -T: this busybox's wget crashes (exit 139) with a timeout option; the run has a deadline instead.
    const r = await this.run(`docker exec ${name} wget -q -O - ${resolvedUrl}`, 5000);
    if (r.exitCode !== 0 || !r.stdout.includes(want)) throw new Error(`wget exited ${r.exitCode}: ${(r.stdout + r.stderr).trim().slice(0, 200)}`);
    return true;
  }, 10000, 200);
});
