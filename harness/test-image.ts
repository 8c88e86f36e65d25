// The test image dockspec/busybox:latest: the host's static busybox with applet links, imported
// into each engine with `docker import` (no registry, no network). The tarball is built once per
// machine and reused; its content depends only on the busybox binary.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync, symlinkSync, writeFileSync, rmSync, renameSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { WORK_ROOT } from './resources.js';
import { threadId } from 'node:worker_threads';

export const TEST_IMAGE = 'dockspec/busybox:latest';

/** Applets that scenarios use; each becomes /bin/<name> → busybox. */
const APPLETS = [
  'sh', 'ps', 'sleep', 'httpd', 'nc', 'wget', 'cat', 'echo', 'kill', 'true', 'false', 'ls', 'hostname', 'id',
  'mount', 'ip', 'ifconfig', 'route', 'head', 'tail', 'grep', 'seq', 'yes', 'dd', 'wc', 'md5sum', 'sha256sum',
  'env', 'printf', 'date', 'trap', 'top', 'pidof', 'uname', 'mkdir', 'rm', 'touch', 'stat', 'readlink', 'df',
  'free', 'test', 'expr', 'usleep', 'timeout', 'tr', 'cut', 'sed', 'awk', 'ping', 'netstat', 'nslookup',
];

export function busyboxPath(): string {
  for (const p of ['/usr/bin/busybox', '/bin/busybox']) if (existsSync(p)) return p;
  throw new Error('no static busybox found: install it with `apt-get install busybox-static`');
}

/** Build (once) and return the path of the image tarball. */
export function imageTarball(): string {
  const dir = join(WORK_ROOT, 'image');
  const tar = join(dir, 'busybox.tar');
  if (existsSync(tar)) return tar;
  // per worker: cucumber-js 13's workers are threads of one process, so the pid alone is shared
  // (seen in the cgroup v2 guest: both workers' BeforeAll built it at once, EEXIST on a symlink)
  const rootfs = join(dir, `rootfs.${process.pid}.${threadId}`);
  rmSync(rootfs, { recursive: true, force: true });
  for (const d of ['bin', 'sbin', 'etc', 'tmp', 'www', 'proc', 'sys', 'dev', 'root']) mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync(busyboxPath(), join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', applet));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(rootfs, 'www', 'index.html'), 'dockspec busybox httpd\n');
  const tmp = `${tar}.${process.pid}.${threadId}`;
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tmp, '.']);
  renameSync(tmp, tar);
  rmSync(rootfs, { recursive: true, force: true });
  return tar;
}
