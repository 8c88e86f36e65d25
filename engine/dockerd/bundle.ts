// The OCI bundle (runtime spec 1.0.2 config.json) that ref-dockerd hands to containerd, shaped as
// dockerd's: Docker's default capabilities, masked and read-only /proc paths, the standard mounts,
// /etc/hosts, /etc/hostname and /etc/resolv.conf bound from the container's directory, and
// `/sbin/docker-init -- cmd` with the daemon's init binary when init is on.
import fs from 'node:fs';
import path from 'node:path';
import type { Container } from './container-store.js';
import { DockerError } from './errors.js';
import { faultEnabled } from '../../lib/faults.js';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const MASKED = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Later entries replace earlier ones with the same name, as Docker merges image and container env. */
export function mergeEnv(...lists: Array<string[] | null | undefined>): string[] {
  const out: string[] = [];
  const index = new Map<string, number>();
  for (const list of lists) {
    for (const kv of list ?? []) {
      const k = kv.split('=')[0];
      const i = index.get(k);
      if (i === undefined) {
        index.set(k, out.length);
        out.push(kv);
      } else out[i] = kv;
    }
  }
  return out;
}

function lookupId(file: string, name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    /* no passwd in the image */
  }
  return undefined;
}

export function resolveUser(user: string, rootfs: string): { uid: number; gid: number } {
  if (!user) return { uid: 0, gid: 0 };
  const [u, g] = user.split(':');
  let uid = Number(u);
  let gid = 0;
  if (!/^\d+$/.test(u)) {
    const found = lookupId(path.join(rootfs, 'etc/passwd'), u);
    if (!found) throw new Error(`unable to find user ${u}: no matching entries in passwd file`);
    ({ uid, gid } = found);
  }
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const found = lookupId(path.join(rootfs, 'etc/group'), g);
      if (!found) throw new Error(`unable to find group ${g}: no matching entries in group file`);
      gid = found.uid; // group file: name:x:gid
    }
  }
  return { uid, gid };
}

export interface BindMount {
  source: string;
  destination: string;
  rw: boolean;
  mode: string;
}

/** `-v /host:/ctr[:ro]`: host-path binds only; named volumes are not part of the reference engine. */
export function parseBinds(binds: string[] | null | undefined): BindMount[] {
  return (binds ?? []).map((b) => {
    const [source, destination, mode = ''] = b.split(':');
    if (!source?.startsWith('/') || !destination?.startsWith('/')) {
      throw new DockerError(400, `invalid volume specification: '${b}': only absolute host paths are supported`);
    }
    return { source, destination, rw: !mode.split(',').includes('ro'), mode };
  });
}

export interface BundleInput {
  container: Container;
  rootfs: string;
  args: string[];
  env: string[];
  netnsPath?: string;
  initPath?: string;
  /** the daemon's --cgroup-parent; the container's own HostConfig.CgroupParent wins */
  cgroupParent?: string;
}

const TMPFS_DATA_KEYS = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);
const PROPAGATION = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable']);

/**
 * The options of a `--tmpfs DEST[:OPTS]` mount as dockerd gives them to the runtime: its defaults
 * noexec,nosuid,nodev,rprivate, then the user's; a later option replaces an earlier one that sets
 * the same mount flag (exec after noexec) or the same key (size=), and the order is kept.
 * Measured with 20.10.24: `--tmpfs /tmp` → ["noexec","nosuid","nodev","rprivate"].
 */
export function tmpfsOptions(data: string): string[] {
  const options = ['noexec', 'nosuid', 'nodev', 'rprivate', ...(data ? data.split(',') : [])];
  const group = (o: string): string => {
    if (PROPAGATION.has(o)) return 'propagation';
    if (o === 'ro' || o === 'rw') return 'rdonly';
    if (o === 'async') return 'sync';
    const eq = o.indexOf('=');
    if (eq > 0) {
      // Go's %q of the split option, e.g. Invalid tmpfs option ["foo" "1"]
      if (!TMPFS_DATA_KEYS.has(o.slice(0, eq))) throw new DockerError(400, `Invalid tmpfs option [${[o.slice(0, eq), o.slice(eq + 1)].map((x) => JSON.stringify(x)).join(' ')}]`);
      return `data:${o.slice(0, eq)}`;
    }
    return o.replace(/^no/, '');
  };
  const seen = new Set<string>();
  const out: string[] = [];
  for (const o of options.reverse()) {
    if (o === 'defaults') continue;
    const g = group(o);
    if (seen.has(g)) continue;
    seen.add(g);
    out.unshift(o);
  }
  return out;
}

export function buildSpec(b: BundleInput): Record<string, unknown> {
  const { rec, hostConfig } = b.container;
  const dir = path.dirname(rec.HostsPath);
  const user = resolveUser(rec.Config.User, b.rootfs);
  const args = b.initPath ? ['/sbin/docker-init', '--', ...b.args] : b.args;
  const mounts: Array<Record<string, unknown>> = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${hostConfig.ShmSize || 67108864}`] },
    { destination: '/etc/resolv.conf', type: 'bind', source: path.join(dir, 'resolv.conf'), options: ['rbind', 'rprivate'] },
    { destination: '/etc/hostname', type: 'bind', source: path.join(dir, 'hostname'), options: ['rbind', 'rprivate'] },
    { destination: '/etc/hosts', type: 'bind', source: path.join(dir, 'hosts'), options: ['rbind', 'rprivate'] },
  ];
  for (const m of parseBinds(hostConfig.Binds)) {
    fs.mkdirSync(m.source, { recursive: true });
    mounts.push({ destination: m.destination, type: 'bind', source: m.source, options: ['rbind', m.rw ? 'rw' : 'ro', 'rprivate'] });
  }
  const tmpfs = (hostConfig.Tmpfs ?? {}) as Record<string, string>;
  for (const [destination, data] of Object.entries(tmpfs).sort(([a], [b]) => a.localeCompare(b)))
    mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(data) });
  if (b.initPath) mounts.push({ destination: '/sbin/docker-init', type: 'bind', source: b.initPath, options: ['bind', 'ro'] });
  const namespaces: Array<Record<string, string>> = [{ type: 'mount' }, { type: 'network' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }];
  if (b.netnsPath) namespaces[1] = { type: 'network', path: b.netnsPath };
  // Fault switch no-pid-namespace (lib/faults.ts): the container stays in the host's pid namespace.
  if (faultEnabled('no-pid-namespace')) namespaces.splice(3, 1);
  if (hostConfig.CgroupnsMode === 'private') namespaces.push({ type: 'cgroup' });
  const resources: Record<string, unknown> = {};
  // Fault switch no-memory-limit (lib/faults.ts): --memory never reaches the cgroup.
  if (hostConfig.Memory && !faultEnabled('no-memory-limit')) resources.memory = { limit: hostConfig.Memory };
  if (hostConfig.PidsLimit) resources.pids = { limit: hostConfig.PidsLimit };
  if (hostConfig.CpuShares || hostConfig.NanoCpus) {
    resources.cpu = {
      ...(hostConfig.CpuShares ? { shares: hostConfig.CpuShares } : {}),
      ...(hostConfig.NanoCpus ? { quota: Math.round(hostConfig.NanoCpus / 1e4), period: 100000 } : {}),
    };
  }
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: Boolean(rec.Config.Tty),
      user: { uid: user.uid, gid: user.gid },
      args,
      env: b.env,
      cwd: rec.Config.WorkingDir || '/',
      capabilities: { bounding: DEFAULT_CAPS, effective: DEFAULT_CAPS, permitted: DEFAULT_CAPS },
      noNewPrivileges: false,
    },
    root: { path: b.rootfs, readonly: Boolean(hostConfig.ReadonlyRootfs) },
    // Fault switch hostname-not-set (lib/faults.ts): the container keeps the host's name.
    hostname: faultEnabled('hostname-not-set') ? undefined : rec.Config.Hostname,
    mounts,
    linux: {
      // dockerd (cgroupfs driver): filepath.Join(parent, id). A relative parent stays relative, and
      // the runtime puts it below its own cgroup in each hierarchy, as runc does.
      cgroupsPath: path.posix.join((hostConfig.CgroupParent as string | undefined) || b.cgroupParent || '/docker', rec.ID),
      resources,
      namespaces,
      maskedPaths: MASKED,
      readonlyPaths: READONLY,
    },
  };
}

/** /etc/hosts, /etc/hostname and /etc/resolv.conf for the container, in its directory. */
export function writeEtcFiles(dir: string, hostname: string, ip: string | undefined): void {
  let hosts = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';
  if (ip) hosts += `${ip}\t${hostname}\n`;
  fs.writeFileSync(path.join(dir, 'hosts'), hosts, { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'hostname'), hostname + '\n', { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'resolv.conf'), resolvConf(), { mode: 0o644 });
}

/** The host's resolv.conf without loopback nameservers (unreachable from the container's netns); Docker's fallback is Google DNS. */
export function resolvConf(): string {
  let text = '';
  try {
    text = fs.readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    /* none */
  }
  const lines = text.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1)/.test(l));
  if (!lines.some((l) => /^\s*nameserver\s/.test(l))) lines.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  return lines.filter((l, i, a) => l !== '' || i < a.length - 1).join('\n').trim() + '\n';
}
