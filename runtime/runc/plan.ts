// config.json → the command line of the native stage (ref-runc-nsexec.c). Everything that needs
// parsing or policy happens here; the C side only performs the steps in order.
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { OciHook, OciProcess, OciSpec } from './spec.js';
import { OCI_VERSION } from './spec.js';
import { MS, parseMountOptions, propagation } from './mount-options.js';
import { capabilityMask } from './capabilities.js';
import type { Hierarchy } from './cgroups.js';
import { DEFAULT_DEVICE_RULES } from './cgroups.js';
import { UNIFIED } from './cgroup2.js';
import { deviceFilter, deviceFilterArgs } from './device-filter.js';
import { RuntimeError } from './errors.js';

/** runc creates these when /dev is not a bind mount; mode 0666, owned by root. */
const DEFAULT_DEVICES = [
  { path: '/dev/null', major: 1, minor: 3 },
  { path: '/dev/zero', major: 1, minor: 5 },
  { path: '/dev/full', major: 1, minor: 7 },
  { path: '/dev/tty', major: 5, minor: 0 },
  { path: '/dev/urandom', major: 1, minor: 9 },
  { path: '/dev/random', major: 1, minor: 8 },
];

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

export interface CreatePlanInput {
  id: string;
  bundle: string;
  spec: OciSpec;
  fifo: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot: boolean;
  cgroupDirs: Record<string, string>;
  hierarchies: Hierarchy[];
  /** This container's cgroup path inside each hierarchy, for the /sys/fs/cgroup view. */
  cgroupPath: string;
  cgroupRoot: string;
  /** The compiled filter (seccomp.ts), in hex. */
  seccomp?: string;
}

export function rootfsOf(bundle: string, spec: OciSpec): string {
  const path = spec.root?.path ?? 'rootfs';
  return isAbsolute(path) ? path : resolve(bundle, path);
}

const NAMESPACE_TYPES = new Set(['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup']);

export function createPlan(input: CreatePlanInput): string[] {
  const { spec, bundle } = input;
  const process = spec.process;
  if (!process) throw new RuntimeError('process property must not be empty');
  const args: string[] = ['create', '--rootfs', rootfsOf(bundle, spec), '--fifo', input.fifo];
  if (spec.root?.readonly) args.push('--readonly-root');
  if (input.noPivot) args.push('--no-pivot');
  const privateNamespaces = new Set((spec.linux?.namespaces ?? []).filter((ns) => !ns.path).map((ns) => ns.type));
  const ownNamespaces = new Set((spec.linux?.namespaces ?? []).map((ns) => ns.type));
  // Both would change the host itself; runc refuses them with these words.
  if (spec.hostname && !privateNamespaces.has('uts')) throw new RuntimeError('unable to set hostname without a private UTS namespace');
  for (const key of Object.keys(spec.linux?.sysctl ?? {}))
    if (key.startsWith('net.') && !ownNamespaces.has('network')) throw new RuntimeError(`sysctl "${key}" not allowed in host network namespace`);
  if (spec.hostname) args.push('--hostname', spec.hostname);
  if (input.pidFile) args.push('--pid-file', input.pidFile);
  if (input.consoleSocket) args.push('--console-socket', input.consoleSocket);
  const linux = spec.linux ?? {};
  for (const ns of linux.namespaces ?? []) {
    if (!NAMESPACE_TYPES.has(ns.type)) throw new RuntimeError(`namespace ${ns.type} does not exist`);
    // A user namespace needs uid/gid maps written from outside; without them the init would be nobody.
    if (ns.type === 'user') throw new RuntimeError('user namespaces are not supported by ref-runc');
    if (ns.path) args.push('--join-ns', ns.type, ns.path);
    else args.push('--new-ns', ns.type);
  }
  if (linux.rootfsPropagation) {
    const flag = propagation[linux.rootfsPropagation];
    if (flag === undefined) throw new RuntimeError(`rootfsPropagation=${linux.rootfsPropagation} is not supported`);
    args.push('--root-propagation', String(flag));
  }
  for (const dir of Object.values(input.cgroupDirs)) args.push('--cgroup', dir);
  const unified = input.cgroupDirs[UNIFIED];
  if (unified !== undefined) {
    // cgroup v2: the container's /sys/fs/cgroup is a cgroup2 mount of its own (falling back to a
    // bind of its directory), and the device rules become a BPF program on the directory.
    args.push('--cgroup2-mount', unified);
    args.push(...deviceFilterArgs(unified, deviceFilter([...(linux.resources?.devices ?? []), ...DEFAULT_DEVICE_RULES])));
  }
  for (const h of input.hierarchies) {
    if (h.link) args.push('--cgroup-link', h.name, h.link);
    else args.push('--cgroup-mount', h.name, input.cgroupDirs[h.name] ?? join(input.cgroupRoot, h.name, input.cgroupPath));
  }

  let devIsTmpfs = false;
  for (const mount of spec.mounts ?? []) {
    const { flags, propagation: prop, data } = parseMountOptions(mount.type, mount.options);
    if (mount.destination === '/dev' && !(flags & MS.BIND)) devIsTmpfs = true;
    const source = mount.source ?? mount.type ?? 'none';
    const absoluteSource = flags & MS.BIND && !isAbsolute(source) ? resolve(bundle, source) : source;
    args.push('--mount', absoluteSource, mount.destination, mount.type ?? 'none', String(flags), String(prop), data);
  }
  const devices = [...(devIsTmpfs ? DEFAULT_DEVICES.map((d) => ({ ...d, type: 'c', fileMode: 0o666, uid: 0, gid: 0 })) : []),
    ...(linux.devices ?? [])];
  for (const d of devices) {
    args.push('--device', d.path, d.type, String(d.major ?? 0), String(d.minor ?? 0), String(d.fileMode ?? 0o666),
      String(d.uid ?? 0), String(d.gid ?? 0));
  }
  if (devIsTmpfs) {
    const links: Array<[string, string]> = [
      ['/proc/self/fd', '/dev/fd'],
      ['/proc/self/fd/0', '/dev/stdin'],
      ['/proc/self/fd/1', '/dev/stdout'],
      ['/proc/self/fd/2', '/dev/stderr'],
      ['pts/ptmx', '/dev/ptmx'],
    ];
    if (existsSync('/proc/kcore')) links.push(['/proc/kcore', '/dev/core']);
    for (const [target, path] of links) args.push('--symlink', target, path);
  }
  for (const [key, value] of Object.entries(linux.sysctl ?? {})) args.push('--sysctl', key, value);
  for (const path of linux.readonlyPaths ?? []) args.push('--readonly-path', path);
  for (const path of linux.maskedPaths ?? []) args.push('--masked', path);

  // createRuntime hooks run at the same point as the older prestart ones (OCI 1.0.2), before them.
  const hooks = [...(spec.hooks?.createRuntime ?? []), ...(spec.hooks?.prestart ?? [])];
  if (hooks.length > 0) {
    const [prefix, suffix] = hookStateTemplate(input.id, bundle, spec.annotations);
    args.push('--state-prefix', prefix, '--state-suffix', suffix);
    for (const hook of hooks) args.push(...hookArgs(hook));
  }
  args.push(...processArgs(process, undefined, input.seccomp));
  return args;
}

/** The state a hook gets on stdin, split around the pid that only the native stage knows. */
function hookStateTemplate(id: string, bundle: string, annotations: Record<string, string> | undefined): [string, string] {
  const marker = 987654321;
  const text = JSON.stringify({ ociVersion: OCI_VERSION, id, status: 'creating', pid: marker, bundle, annotations: annotations ?? {} });
  const [prefix, suffix] = text.split(String(marker)) as [string, string];
  return [prefix, suffix];
}

function hookArgs(hook: OciHook): string[] {
  const argv = hook.args ?? [hook.path];
  const env = hook.env ?? [];
  return ['--hook', hook.path, String(hook.timeout ?? 0), String(argv.length), ...argv, String(env.length), ...env];
}

/** The process part, shared by create and exec. `fallbackCaps` are the container's, for an exec without its own. */
export function processArgs(process: OciProcess, fallbackCaps: OciProcess['capabilities'], seccomp?: string): string[] {
  const args: string[] = [];
  if (seccomp) args.push('--seccomp', seccomp);
  for (const entry of process.env ?? []) args.push('--env', entry);
  args.push('--cwd', process.cwd || '/');
  // runc's default when config.json has none.
  args.push('--umask', String(process.user?.umask ?? 0o022));
  args.push('--uid', String(process.user?.uid ?? 0), '--gid', String(process.user?.gid ?? 0));
  for (const gid of process.user?.additionalGids ?? []) args.push('--group', String(gid));
  const caps = process.capabilities ?? fallbackCaps;
  if (caps) {
    args.push('--caps', capabilityMask(caps.bounding), capabilityMask(caps.effective), capabilityMask(caps.permitted),
      capabilityMask(caps.inheritable), capabilityMask(caps.ambient));
  }
  for (const limit of process.rlimits ?? []) {
    const resource = RLIMITS[limit.type];
    if (resource === undefined) throw new RuntimeError(`wrong rlimit value: ${limit.type}`);
    args.push('--rlimit', String(resource), String(limit.soft), String(limit.hard));
  }
  if (process.noNewPrivileges) args.push('--no-new-privileges');
  if (process.oomScoreAdj !== undefined) args.push('--oom-score-adj', String(process.oomScoreAdj));
  if (process.terminal) args.push('--terminal');
  if (process.consoleSize) args.push('--console-size', String(process.consoleSize.height), String(process.consoleSize.width));
  if (!process.args || process.args.length === 0) throw new RuntimeError('args must not be empty');
  args.push('--', ...process.args);
  return args;
}

export interface ExecPlanInput {
  pid: number;
  namespaces: string[];
  cgroupDirs: Record<string, string>;
  process: OciProcess;
  containerCaps: OciProcess['capabilities'];
  pidFile?: string;
  consoleSocket?: string;
  detach: boolean;
  seccomp?: string;
}

const PROC_NS_NAME: Record<string, string> = { network: 'net', mount: 'mnt', pid: 'pid', ipc: 'ipc', uts: 'uts', cgroup: 'cgroup', user: 'user' };

export function execPlan(input: ExecPlanInput): string[] {
  const args = ['exec', '--target-pid', String(input.pid)];
  for (const type of input.namespaces) args.push('--join-ns', type, `/proc/${input.pid}/ns/${PROC_NS_NAME[type] ?? type}`);
  for (const dir of Object.values(input.cgroupDirs)) args.push('--cgroup', dir);
  if (input.pidFile) args.push('--pid-file', input.pidFile);
  if (input.consoleSocket) args.push('--console-socket', input.consoleSocket);
  if (input.detach) args.push('--detach');
  args.push(...processArgs(input.process, input.containerCaps, input.seccomp));
  return args;
}

