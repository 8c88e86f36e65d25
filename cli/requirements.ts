// What each target needs from the machine, and which Debian package brings it. One list, used by
// `dockspec doctor` (to report) and `dockspec install-deps` (to install).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { whichSync } from '../harness/targets/which.js';

export type TargetName = 'reference' | 'docker';

export interface Requirement {
  name: string;
  /** what it is for, shown when missing */
  why: string;
  targets: TargetName[];
  /** Debian package that provides it, if any */
  debianPackage?: string;
  /** how to get it when no package does */
  hint?: string;
  check: () => boolean;
}

function has(bin: string): boolean {
  return whichSync(bin) !== undefined;
}

function succeeds(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 10000 });
    return true;
  } catch {
    return false;
  }
}

function staticBusybox(): boolean {
  for (const p of ['/usr/bin/busybox', '/bin/busybox']) {
    if (!existsSync(p)) continue;
    // A static ELF has no PT_INTERP program header; `ldd` says so without running the binary.
    try {
      execFileSync('ldd', [p], { stdio: 'pipe' });
    } catch (err) {
      const out = String((err as { stdout?: Buffer }).stdout ?? '') + String((err as { stderr?: Buffer }).stderr ?? '');
      if (out.includes('not a dynamic executable')) return true;
    }
  }
  return false;
}

const both: TargetName[] = ['reference', 'docker'];

export const REQUIREMENTS: Requirement[] = [
  { name: 'root', why: 'engines create namespaces, mounts, bridges and cgroups', targets: both, hint: 'run as root (sudo)', check: () => process.getuid?.() === 0 },
  {
    name: 'namespaces',
    why: 'containers need pid, mount, uts, ipc and net namespaces',
    targets: both,
    debianPackage: 'util-linux',
    check: () => succeeds('unshare', ['--pid', '--fork', '--mount', '--uts', '--ipc', '--net', 'true']),
  },
  {
    name: 'overlayfs',
    why: 'container root filesystems are overlay mounts',
    targets: both,
    hint: 'load the overlay kernel module (modprobe overlay)',
    check: () => readFileSync('/proc/filesystems', 'utf8').includes('overlay') || succeeds('modprobe', ['overlay']),
  },
  { name: 'docker CLI', why: 'every step drives the engine with the real docker client', targets: both, debianPackage: 'docker.io', check: () => has('docker') },
  { name: 'static busybox', why: 'the test image dockspec/busybox is made from it', targets: both, debianPackage: 'busybox-static', check: staticBusybox },
  { name: 'iproute2 (ip)', why: 'bridges, veth pairs and network namespaces', targets: both, debianPackage: 'iproute2', check: () => has('ip') },
  { name: 'C compiler', why: 'builds the reference runtime stage and docker-init at npm install', targets: ['reference'], debianPackage: 'gcc', check: () => has('cc') || has('gcc') },
  { name: 'static libc', why: 'the native pieces are linked statically', targets: ['reference'], debianPackage: 'libc6-dev', check: () => existsSync('/usr/lib/x86_64-linux-gnu/libc.a') || existsSync('/usr/lib/aarch64-linux-gnu/libc.a') || existsSync('/usr/lib/libc.a') },
  { name: 'OpenSSH server (sshd)', why: 'the ssh:// transport scenarios start their own sshd', targets: both, debianPackage: 'openssh-server', check: () => existsSync('/usr/sbin/sshd') },
  { name: 'OpenSSH client (ssh)', why: 'the docker CLI reaches ssh:// engines through ssh', targets: both, debianPackage: 'openssh-client', check: () => has('ssh') },
  { name: 'systemd-socket-activate', why: 'the fd:// transport scenarios pass a socket to the daemon', targets: both, debianPackage: 'systemd', check: () => has('systemd-socket-activate') },
  { name: 'curl', why: 'scenarios speak plain HTTP to the API socket', targets: both, debianPackage: 'curl', check: () => has('curl') },
  { name: 'openssl', why: 'the TLS scenarios make a CA and certificates for the daemon and the client', targets: both, debianPackage: 'openssl', check: () => has('openssl') },
  { name: 'setpriv and nsenter', why: 'proxies die with their daemon (setpriv --pdeathsig); steps look into network namespaces', targets: both, debianPackage: 'util-linux', check: () => has('setpriv') && has('nsenter') },
  { name: 'dockerd', why: 'the docker target runs real Docker', targets: ['docker'], debianPackage: 'docker.io', check: () => has('dockerd') },
  { name: 'containerd', why: 'dockerd starts containerd', targets: ['docker'], debianPackage: 'containerd', check: () => has('containerd') && has('containerd-shim-runc-v2') },
  { name: 'runc', why: 'the OCI runtime of the docker target', targets: ['docker'], debianPackage: 'runc', check: () => has('runc') },
  { name: 'docker-init', why: 'PID 1 for --init containers (tini)', targets: ['docker'], debianPackage: 'docker.io', check: () => has('docker-init') },
  { name: 'docker-proxy', why: 'the userland proxy for published ports', targets: ['docker'], debianPackage: 'docker.io', check: () => has('docker-proxy') },
  { name: 'tini', why: 'the reference can be run with Docker\'s init (reference+tini)', targets: [], debianPackage: 'tini', check: () => has('tini') },
];

export interface CheckResult {
  requirement: Requirement;
  ok: boolean;
}

export function checkRequirements(targets: TargetName[]): CheckResult[] {
  return REQUIREMENTS.filter((r) => r.targets.some((t) => targets.includes(t))).map((requirement) => ({ requirement, ok: requirement.check() }));
}

export function isDebianLike(): boolean {
  try {
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease);
  } catch {
    return false;
  }
}
