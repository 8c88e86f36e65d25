// Steps about how the docker client reaches the daemon: -H addresses, socket activation, ssh, and
// the HTTP underneath. Shared phrases (I run, its error says, a running engine …) live in
// commands.steps.ts and engine.steps.ts.
// Glossary:
//   a running engine with the listeners "-H A -H B"   a fresh engine whose only -H flags are these;
//                                                     clients use the first address that is not fd://
//   a running engine started by "LAUNCHER" with the listeners "-H fd://"
//                                                     the same, run under LAUNCHER (socket activation);
//                                                     clients use the socket the launcher holds
//   an engine is started with the listeners "-H …" and nothing passed to it
//                                                     started without waiting for /_ping (it is expected to fail)
//   the engine daemon exits with code N within S seconds
//   the daemon log says "TEXT" [N times]              the engine daemon's stdout/stderr contains TEXT
//   the engine daemon listens on "unix://P" | "tcp://H:PORT"   seen in /proc: the daemon's pid holds it
//   the file "P" is a socket with mode "M", owner "U" and group "G", or "G2" on a machine without a G group
//   "CMD" prints the same through each of these DOCKER_HOST values:   (table of addresses)
//   a socket path <name> where nothing listens        a fresh path in a directory that does not exist
//   nothing listens on 127.0.0.1:<port>               no TCP listener on that port, per /proc
//   I remember its output as <name>                   the last stdout, trimmed, fills <name>
//   the HTTP status is N / the HTTP body is "TEXT" / the HTTP body is: (doc string) / the HTTP body is empty /
//   the HTTP headers include:
//                                                     about the last command's output read as `curl -i`
//   an OpenSSH server on 127.0.0.1:<port> whose sessions reach the engine
//                                                     a real sshd with SetEnv DOCKER_HOST=<engine>; the
//                                                     client's ssh (first on PATH) trusts it and has a key
//   I start "CMD" without waiting / it has finished   a command in the background; its result becomes the last
//   within N seconds the docker client has a child "ssh" running "ARGS"
//   the OpenSSH server runs "CMD" for a session       a process with that command line below sshd
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { DockspecWorld } from './support/world.js';
import { eventually, runCommand } from '../harness/run-command.js';
import { descendantsOf, listProcesses, listenersOnPort, processName, readProcess } from '../lib/proc.js';
import { listeningUnixSockets } from '../harness/targets/sweeper.js';
import { shortId, WORK_ROOT } from '../harness/resources.js';
import { SshServer, sshServerDir, sshServerLog, startSshServer, stopSshServer } from './support/transports/sshd.js';

/** "-H unix://a -H tcp://b" → ['unix://a', 'tcp://b'] */
function hostsOf(flags: string): string[] {
  const words = flags.split(/\s+/).filter(Boolean);
  const hosts: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '-H' && words[i + 1]) hosts.push(words[++i]);
    else if (words[i].startsWith('-H=')) hosts.push(words[i].slice(3));
    else throw new Error(`only -H flags are expected here, got "${words[i]}"`);
  }
  if (!hosts.length) throw new Error(`no -H flag in "${flags}"`);
  return hosts;
}

function noAttached(world: DockspecWorld): 'skipped' | undefined {
  if (!world.attached) return undefined;
  return world.skipNotControlled('this scenario starts the engine with other listeners');
}

Given('a running engine with the listeners {string}', async function (this: DockspecWorld, flags: string) {
  // An attached engine on a unix socket of this machine already is such an engine: <sock> is its socket.
  const attachedSocket = this.attached && this.host.local && /^unix:\/\//.test(this.dockerHost) ? this.dockerHost.slice('unix://'.length) : undefined;
  if (attachedSocket && flags.trim() === '-H unix://<sock>') {
    this.vars.set('sock', attachedSocket);
    return undefined;
  }
  if (noAttached(this)) return 'skipped';
  // The engine exists first, so that <sock> can name its own socket.
  const engine = this.newEngine();
  await engine.start({ hosts: hostsOf(await this.resolve(flags)) });
  return undefined;
});

Given('a running engine started by {string} with the listeners {string}', async function (this: DockspecWorld, launcher: string, flags: string) {
  if (noAttached(this)) return 'skipped';
  const engine = this.newEngine();
  const argv = (await this.resolve(launcher)).split(/\s+/).filter(Boolean);
  await engine.start({ launcher: argv, hosts: hostsOf(await this.resolve(flags)), clientHost: `unix://${engine.defaultSocket}` });
  return undefined;
});

When('an engine is started with the listeners {string} and nothing passed to it', async function (this: DockspecWorld, flags: string) {
  if (noAttached(this)) return 'skipped';
  const engine = this.newEngine();
  await engine.start({ hosts: hostsOf(await this.resolve(flags)), noWait: true });
  return undefined;
});

Then('the engine daemon exits with code {int} within {int} seconds', async function (this: DockspecWorld, code: number, seconds: number) {
  const exit = await this.engine.waitExit(seconds * 1000);
  expect(exit, `daemon exit code; log:\n${this.engine.logTail()}`).to.equal(code);
});

function logCount(log: string, text: string): number {
  return log.split(text).length - 1;
}

Then('the daemon log says {string}', async function (this: DockspecWorld, text: string) {
  const wanted = await this.resolve(text);
  await eventually(`the daemon log to say "${wanted}"`, () => logCount(this.engine.log(), wanted) > 0, 10000).catch((err: Error) => {
    throw new Error(`${err.message}\n--- daemon log ---\n${this.engine.logTail()}`);
  });
});

Then('the daemon log says {string} {int} times', async function (this: DockspecWorld, text: string, times: number) {
  const wanted = await this.resolve(text);
  expect(logCount(this.engine.log(), wanted), `times the daemon log says "${wanted}"\n--- daemon log ---\n${this.engine.logTail()}`).to.equal(times);
});

Then('the engine daemon listens on {string}', async function (this: DockspecWorld, address: string) {
  const addr = await this.resolve(address);
  const pid = this.engine.daemonPid;
  if (addr.startsWith('unix://')) {
    const held = listeningUnixSockets([pid]);
    expect(held, `unix sockets that pid ${pid} listens on`).to.include(addr.slice('unix://'.length));
  } else if (addr.startsWith('tcp://')) {
    const u = new URL(addr.replace(/^tcp:/, 'http:'));
    const owners = listenersOnPort(Number(u.port)).filter((o) => o.listener.address === u.hostname);
    expect(owners.map((o) => o.process.pid), `processes listening on ${u.hostname}:${u.port}`).to.include(pid);
  } else {
    throw new Error(`cannot check a listener for ${addr}`);
  }
});

Then(
  'the file {string} is a socket with mode {string}, owner {string} and group {string}, or {string} on a machine without a {string} group',
  async function (this: DockspecWorld, path: string, mode: string, owner: string, group: string, fallback: string, groupAgain: string) {
    const p = await this.resolve(path);
    expect(lstatSync(p).isSocket(), `${p} is a socket`).to.equal(true);
    let hasGroup = true;
    try {
      execFileSync('getent', ['group', groupAgain], { stdio: 'ignore' });
    } catch {
      hasGroup = false;
    }
    const want = `${mode} ${owner}:${hasGroup ? group : fallback}`;
    const got = execFileSync('stat', ['-c', '%A %U:%G', p], { encoding: 'utf8' }).trim();
    expect(got, `ls -l ${p} (group "${groupAgain}" ${hasGroup ? 'exists' : 'does not exist'} here)`).to.equal(want);
  },
);

Then('{string} prints the same through each of these DOCKER_HOST values:', async function (this: DockspecWorld, command: string, table: { raw(): string[][] }) {
  const cmd = await this.resolve(command);
  const outputs: string[] = [];
  for (const [host] of table.raw()) {
    const dockerHost = await this.resolve(host);
    const r = await this.run(cmd, 30000, { DOCKER_HOST: dockerHost });
    expect(r.exitCode, `DOCKER_HOST=${dockerHost} ${cmd}: ${r.stderr}`).to.equal(0);
    expect(r.stdout.trim(), `DOCKER_HOST=${dockerHost} ${cmd} printed nothing`).not.to.equal('');
    outputs.push(`${dockerHost} → ${r.stdout.trim()}`);
  }
  const distinct = new Set(outputs.map((o) => o.split(' → ')[1]));
  expect(distinct.size, `outputs differ:\n${outputs.join('\n')}`).to.equal(1);
});

Given(/^a socket path <([a-z][a-z0-9_]*)> where nothing listens$/, function (this: DockspecWorld, name: string) {
  // Its directory does not exist either, so nothing can be listening there and nothing is left.
  this.vars.set(name, join(WORK_ROOT, `absent-${shortId()}`, 'docker.sock'));
});

Given(/^nothing listens on 127\.0\.0\.1:(<[a-z][a-z0-9_]*>|\d+)$/, async function (this: DockspecWorld, port: string) {
  const p = Number(await this.resolve(port));
  expect(listenersOnPort(p).map((o) => `${processName(o.process)} (pid ${o.process.pid})`), `listeners on port ${p}`).to.deep.equal([]);
});

Given(/^I remember its output as <([a-z][a-z0-9_]*)>$/, function (this: DockspecWorld, name: string) {
  if (!this.last) throw new Error('no command has run yet in this scenario');
  this.vars.set(name, this.last.stdout.trim());
});

interface HttpResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** The last command's stdout as `curl -i` prints it: status line, headers, blank line, body. */
function httpResponse(world: DockspecWorld): HttpResponse {
  if (!world.last) throw new Error('no command has run yet in this scenario');
  const out = world.last.stdout;
  const split = out.indexOf('\r\n\r\n');
  if (!/^HTTP\/\d(\.\d)? \d{3}/.test(out) || split < 0) throw new Error(`not an HTTP response (use curl -i):\n${out}\n${world.last.stderr}`);
  const [statusLine, ...lines] = out.slice(0, split).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const i = line.indexOf(':');
    headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: out.slice(split + 4) };
}

Then('the HTTP status is {int}', function (this: DockspecWorld, status: number) {
  const r = httpResponse(this);
  expect(r.status, this.last!.stdout).to.equal(status);
});

Then('the HTTP body is {string}', async function (this: DockspecWorld, body: string) {
  expect(httpResponse(this).body.trim(), `HTTP body of:\n${this.last!.stdout}`).to.equal(await this.resolve(body));
});

Then('the HTTP body is:', async function (this: DockspecWorld, body: string) {
  expect(httpResponse(this).body.trim(), `HTTP body of:\n${this.last!.stdout}`).to.equal((await this.resolve(body)).trim());
});

Then('the HTTP body is empty', function (this: DockspecWorld) {
  expect(httpResponse(this).body, `HTTP body of:\n${this.last!.stdout}`).to.equal('');
});

Then('the HTTP headers include:', async function (this: DockspecWorld, table: { raw(): string[][] }) {
  const r = httpResponse(this);
  const problems: string[] = [];
  for (const [name, value] of table.raw()) {
    const want = await this.resolve(value);
    const got = r.headers.get(name.toLowerCase());
    if (got !== want) problems.push(`${name}: wanted "${want}", got ${got === undefined ? 'no such header' : `"${got}"`}`);
  }
  if (problems.length) throw new Error(`HTTP headers differ:\n${problems.join('\n')}\n--- response ---\n${this.last!.stdout}`);
});

Given(/^an OpenSSH server on 127\.0\.0\.1:(<[a-z][a-z0-9_]*>|\d+) whose sessions reach the engine$/, async function (this: DockspecWorld, port: string) {
  // Its sessions run `docker system dial-stdio` on the engine's host: this machine only.
  const skip = this.skipUnlessLocalHost('starts an OpenSSH server whose sessions reach the engine');
  if (skip) return skip;
  const p = Number(await this.resolve(port));
  const engine = this.engines[0];
  const dir = sshServerDir();
  // Recorded with the engine too, so that the sweeper ends sshd and removes its files even when
  // this worker is killed before the cleanup below runs.
  engine?.ownPath(dir);
  const s: SshServer = { pid: 0, port: p, dir } as SshServer;
  this.cleanups.push(async () => {
    for (const k of Object.keys(this.clientEnv)) delete this.clientEnv[k];
    await stopSshServer(this.sshServer ?? s);
  });
  const server = await startSshServer(dir, { port: p, dockerHost: this.dockerHost, adopt: (pid) => engine?.adopt(pid) });
  this.sshServer = server;
  this.clientEnv.PATH = `${server.clientBin}:${process.env.PATH}`;
  this.attach(`sshd pid ${server.pid}, ${server.sshdConfig}:\n${execFileSync('cat', [server.sshdConfig], { encoding: 'utf8' })}`, 'text/plain');
  return undefined;
});

When('I start {string} without waiting', async function (this: DockspecWorld, command: string) {
  const cmd = await this.resolve(command);
  const started = runCommand(cmd, this.commandEnv(), 60000);
  this.background = started;
  // Whatever happens to the scenario, the background command is over before the engine goes.
  this.cleanups.push(async () => {
    await started.catch(() => undefined);
  });
});

When('it has finished', async function (this: DockspecWorld) {
  const bg = this.background;
  if (!bg) throw new Error('no command was started without waiting');
  const r = await bg;
  this.last = r;
  this.attach(`$ ${r.command}\n[exit ${r.exitCode}, ${r.durationMs} ms]\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`, 'text/plain');
  const ssh = this.sshServer;
  if (ssh) this.attach(`ssh invocations:\n${execFileSync('cat', [ssh.callsLog], { encoding: 'utf8' })}\n--- sshd log ---\n${sshServerLog(ssh)}`, 'text/plain');
});

Then('within {int} seconds the docker client has a child {string} running {string}', async function (this: DockspecWorld, seconds: number, name: string, args: string) {
  const wanted = await this.resolve(args);
  const found = await eventually(
    `a "${name}" process running "${wanted}" whose parent is the docker client`,
    () => {
      const all = listProcesses();
      return all.find((p) => processName(p) === name && p.argv.join(' ').includes(wanted) && processName(readProcess(p.ppid) ?? p) === 'docker');
    },
    seconds * 1000,
  ).catch((err: Error) => {
    const seen = listProcesses().filter((p) => processName(p) === name).map((p) => `${p.pid}: ${p.argv.join(' ')}`);
    throw new Error(`${err.message}\n"${name}" processes seen: ${seen.join('\n') || 'none'}`);
  });
  this.attach(`pid ${found.pid} (parent ${found.ppid}, ${readProcess(found.ppid)?.argv.join(' ')}): ${found.argv.join(' ')}`, 'text/plain');
});

Then('the OpenSSH server runs {string} for a session', async function (this: DockspecWorld, command: string) {
  const ssh = this.sshServer;
  if (!ssh) throw new Error('no OpenSSH server was started in this scenario');
  const wanted = await this.resolve(command);
  const found = await eventually(
    `"${wanted}" below sshd (pid ${ssh.pid})`,
    () => descendantsOf(ssh.pid).find((p) => p.argv.join(' ') === wanted),
    10000,
  );
  this.attach(`pid ${found.pid} below sshd ${ssh.pid}: ${found.argv.join(' ')}`, 'text/plain');
});
