// A hand-made OCI bundle for trying ref-containerd without ref-dockerd: busybox as the rootfs and
// the namespaces Docker gives a container (pid, mount, uts, ipc). Used by lifecycle.test.ts and by
// dev/try-lifecycle.ts.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { mkfifo } from '../../../lib/libc.js';
import { shimFirstInPath as pathWithShim } from '../../../lib/shim-path.js';

export const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'].find((p) => fs.existsSync(p));
export const RUNC = '/usr/sbin/runc';

export function newId(): string {
  return randomBytes(32).toString('hex');
}

/** rootfs with busybox and the applets the tests use; shared by every bundle of one test. */
export function makeRootfs(dir: string): string {
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  for (const d of ['proc', 'dev', 'sys', 'tmp', 'etc']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync(BUSYBOX!, path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'sleep', 'echo', 'cat', 'true']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  return rootfs;
}

export function processSpec(args: string[]): Record<string, unknown> {
  return {
    terminal: false,
    user: { uid: 0, gid: 0 },
    args,
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    cwd: '/',
    capabilities: {
      bounding: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID', 'CAP_SETGID'],
      effective: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID', 'CAP_SETGID'],
      permitted: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID', 'CAP_SETGID'],
    },
    noNewPrivileges: true,
  };
}

export interface Bundle {
  id: string;
  /** where ref-containerd makes the task's bundle (shim.pid, address, config.json) */
  bundle: string;
  /** id, FIFO directory, spec and runtime: what a Tasks/Create through the client needs */
  request: { id: string; bundle: string; spec: Record<string, unknown>; runtimePath: string; runtimeRoot: string };
  stdout: string;
  stderr: string;
  stdin?: string;
}

/**
 * A container's spec and the FIFOs where ref-dockerd would make them; containerd makes the bundle
 * itself, in its state dir. The runtime keeps its state under <exec-root>/runtime-runc/moby.
 */
export function makeBundle(state: string, rootfs: string, args: string[], o: { stdin?: boolean } = {}): Bundle {
  const id = newId();
  const bundle = path.join(state, 'io.containerd.runtime.v2.task', 'moby', id);
  const config = {
    ociVersion: '1.0.2',
    process: processSpec(args),
    root: { path: rootfs, readonly: true },
    hostname: id.slice(0, 12),
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }],
      maskedPaths: ['/proc/kcore', '/proc/keys'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  const fifoDir = path.join(state, id);
  fs.mkdirSync(fifoDir, { recursive: true });
  const fifo = (name: string) => {
    const p = path.join(fifoDir, name);
    mkfifo(p, 0o600);
    return p;
  };
  const request = { id, bundle: fifoDir, spec: config, runtimePath: RUNC, runtimeRoot: path.join(path.dirname(state), 'runtime-runc') };
  return { id, bundle, request, stdout: fifo('init-stdout'), stderr: fifo('init-stderr'), stdin: o.stdin ? fifo('init-stdin') : undefined };
}

/**
 * PATH with ref-containerd-shim first under containerd's name for the runc shim, which is how
 * ref-containerd (like containerd) finds a runtime's shim; the link lives in `dir`.
 */
export function shimFirstInPath(dir: string): string {
  return pathWithShim(path.join(dir, 'shim-bin'), fileURLToPath(new URL('../../../bin/ref-containerd-shim.js', import.meta.url)));
}

/** A test's last word on runc: every container still under `runtimeRoot` is force-deleted. */
export function forceDeleteRuncContainers(runtimeRoot: string): void {
  if (!fs.existsSync(runtimeRoot)) return;
  for (const id of fs.readdirSync(runtimeRoot)) {
    try {
      execFileSync(RUNC, ['--root', runtimeRoot, 'delete', '--force', id], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
