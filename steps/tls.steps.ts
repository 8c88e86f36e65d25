// Steps about TLS on the daemon's TCP listeners: certificates made with openssl for one scenario,
// and a daemon started with dockerd's TLS flags.
// Glossary:
//   TLS certificates in <name>: a CA, a server certificate for 127.0.0.1 and a client certificate
//       a fresh directory holding ca.pem, server-cert.pem, server-key.pem, cert.pem, key.pem (the
//       file names DOCKER_CERT_PATH expects), all signed by one new CA; <name> is its path
//   a client certificate from another CA in <name>
//       ca.pem, cert.pem, key.pem of a second, unrelated CA: a client the daemon must not trust
//   a running engine with the listeners "-H …" and the flags "…"
//       like "a running engine with the listeners", with more daemon flags; the harness reaches the
//       engine through its first unix:// listener (it holds no client certificate)
//   the daemon log does not say "TEXT"               the engine daemon's stdout/stderr lacks TEXT
import { Given, Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { DockspecWorld } from './support/world.js';
import { shortId, WORK_ROOT } from '../harness/resources.js';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A P-256 key and a certificate for `cn`, signed by the CA in caDir (or self-signed as a CA). */
function issue(dir: string, name: { key: string; cert: string }, cn: string, ext: string, caDir?: string): void {
  openssl(dir, ['ecparam', '-genkey', '-name', 'prime256v1', '-noout', '-out', name.key]);
  if (!caDir) {
    openssl(dir, ['req', '-new', '-x509', '-days', '2', '-sha256', '-key', name.key, '-subj', `/CN=${cn}`, '-out', name.cert]);
    return;
  }
  const csr = `${name.cert}.csr`;
  const extFile = `${name.cert}.ext`;
  writeFileSync(join(dir, extFile), `${ext}\n`);
  openssl(dir, ['req', '-new', '-sha256', '-key', name.key, '-subj', `/CN=${cn}`, '-out', csr]);
  openssl(dir, [
    'x509', '-req', '-days', '2', '-sha256', '-in', csr,
    '-CA', join(caDir, 'ca.pem'), '-CAkey', join(caDir, 'ca-key.pem'), '-set_serial', String(Date.now()),
    '-extfile', extFile, '-out', name.cert,
  ]);
  rmSync(join(dir, csr));
  rmSync(join(dir, extFile));
}

function certDir(world: DockspecWorld, name: string): string {
  const dir = join(WORK_ROOT, 'tls', `${name}-${shortId()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  world.cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  world.vars.set(name, dir);
  return dir;
}

Given(/^TLS certificates in <([a-z][a-z0-9_]*)>: a CA, a server certificate for 127\.0\.0\.1 and a client certificate$/, function (this: DockspecWorld, name: string) {
  const dir = certDir(this, name);
  issue(dir, { key: 'ca-key.pem', cert: 'ca.pem' }, 'dockspec test CA', '');
  issue(dir, { key: 'server-key.pem', cert: 'server-cert.pem' }, '127.0.0.1', 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth', dir);
  issue(dir, { key: 'key.pem', cert: 'cert.pem' }, 'client', 'extendedKeyUsage = clientAuth', dir);
});

Given(/^a client certificate from another CA in <([a-z][a-z0-9_]*)>$/, function (this: DockspecWorld, name: string) {
  const dir = certDir(this, name);
  issue(dir, { key: 'ca-key.pem', cert: 'ca.pem' }, 'dockspec other CA', '');
  issue(dir, { key: 'key.pem', cert: 'cert.pem' }, 'intruder', 'extendedKeyUsage = clientAuth', dir);
});

Given('a running engine with the listeners {string} and the flags {string}', async function (this: DockspecWorld, listeners: string, flags: string) {
  if (this.attached) {
    return this.skipNotControlled('this scenario starts the engine with other listeners');
  }
  const engine = this.newEngine();
  const hosts = [...(await this.resolve(listeners)).matchAll(/-H\s+(\S+)/g)].map((m) => m[1]);
  const unix = hosts.find((h) => h.startsWith('unix://'));
  if (!unix) throw new Error(`give a unix:// listener too: the harness checks readiness through it (got "${listeners}")`);
  await engine.start({ hosts, flags: (await this.resolve(flags)).split(/\s+/).filter(Boolean), clientHost: unix });
  return undefined;
});

Then('the daemon log does not say {string}', async function (this: DockspecWorld, text: string) {
  const wanted = await this.resolve(text);
  expect(this.engine.log(), `daemon log (${this.engine.logFile})`).not.to.include(wanted);
});
