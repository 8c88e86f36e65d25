// Phrases about the container's init binary (/sbin/docker-init).
// Glossary:
//   a copy of the target's docker-init binary as <name>
//                     copies the target's own init binary into a fresh directory and sets <name>
//                     to its path (for `--init-path`); removed after the scenario
//   /sbin/docker-init in container "X" is the engine's docker-init binary
//   /sbin/docker-init in container "X" is the host file <name>
//                     the file the container sees is that host file itself: same inode, size and
//                     checksum (a bind mount shows the host file's inode; a copy would not)
//   /sbin/docker-init in container "X" is mounted read-only
//                     the container's mount table has a mount point /sbin/docker-init with option ro
import { Given, Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DockspecWorld } from './support/world.js';
import { parseMountinfo } from '../lib/mountinfo.js';
import { shortId, WORK_ROOT } from '../harness/resources.js';

const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';

Given('a copy of the target\'s docker-init binary as {word}', async function (this: DockspecWorld, placeholder: string) {
  const m = /^<([a-z][a-z0-9_]*)>$/.exec(placeholder);
  if (!m) throw new Error(`expected a placeholder such as <init_copy>, got ${placeholder}`);
  const dir = join(WORK_ROOT, `init-copy-${shortId()}`);
  mkdirSync(dir, { recursive: true });
  this.cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'docker-init');
  // copyFileSync follows a symlink (docker-init → tini-static), so the copy is the binary itself.
  copyFileSync(this.target.info.binaryPath('docker-init'), copy);
  this.vars.set(m[1], copy);
});

/** Compares what the container sees at /sbin/docker-init with a file on the host. */
async function expectSameFile(world: DockspecWorld, container: string, hostPath: string): Promise<void> {
  const host = statSync(hostPath);
  const hostMd5 = createHash('md5').update(readFileSync(hostPath)).digest('hex');
  const inside = await world.must(`docker exec ${container} stat -L -c '%i %s' ${INIT_PATH_IN_CONTAINER}`);
  const [ino, size] = inside.split(/\s+/).map(Number);
  const md5 = (await world.must(`docker exec ${container} md5sum ${INIT_PATH_IN_CONTAINER}`)).split(/\s+/)[0];
  expect({ inode: ino, size, md5 }, `${INIT_PATH_IN_CONTAINER} in ${container} compared with ${hostPath} on the host`).to.deep.equal({
    inode: host.ino,
    size: host.size,
    md5: hostMd5,
  });
}

Then('\\/sbin\\/docker-init in container {container} is the engine\'s docker-init binary', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost('compares the file with one on the engine\'s host');
  if (skip) return skip;
  await expectSameFile(this, name, this.target.info.binaryPath('docker-init'));
});

Then('\\/sbin\\/docker-init in container {container} is the host file {word}', async function (this: DockspecWorld, name: string, path: string) {
  const skip = this.skipUnlessLocalHost('compares the file with one on the engine\'s host');
  if (skip) return skip;
  await expectSameFile(this, name, await this.resolve(path));
});

Then('\\/sbin\\/docker-init in container {container} is mounted read-only', async function (this: DockspecWorld, name: string) {
  const table = await this.must(`docker exec ${name} cat /proc/1/mountinfo`);
  const mount = parseMountinfo(table).find((m) => m.mountPoint === INIT_PATH_IN_CONTAINER);
  expect(mount, `a mount at ${INIT_PATH_IN_CONTAINER} in ${name}:\n${table}`).to.not.equal(undefined);
  expect(mount!.options, `mount options of ${INIT_PATH_IN_CONTAINER}: ${mount!.options.join(',')}`).to.include('ro');
});
