// dockerd's command line, parsed the way cobra/pflag parse it: `--flag value`, `--flag=value`,
// `-H value`, `-Hvalue`, and booleans that take `=false`. The error shapes are dockerd's own,
// measured against dockerd 20.10.24 (`dockerd --bogus` prints them and exits 1).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { faultEnabled, INIT_FAULT_DIR, initFaultBinary } from '../../lib/faults.js';

export interface DaemonConfig {
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  containerd?: string;
  init: boolean;
  initPath: string;
  /** --init-path was given (docker info then shows it instead of `docker-init`) */
  initPathGiven: boolean;
  runtimes: Record<string, string>;
  defaultRuntime: string;
  liveRestore: boolean;
  userlandProxy: boolean;
  userlandProxyPath: string;
  bip?: string;
  bridge?: string;
  /** --cgroup-parent: where container cgroups go unless a container names its own (dockerd: /docker) */
  cgroupParent: string;
  iptables: boolean;
  ipMasq: boolean;
  tls: boolean;
  tlsVerify: boolean;
  tlsCaCert?: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel: string;
  debug: boolean;
  group: string;
  /** the command line as given, for process.title */
  argv: string[];
}

export class FlagError extends Error {}

/** dist/ of this build: the bundled executables live beside ref-dockerd. */
function initFaultPath(): string[] {
  for (const f of ['init-no-reap', 'init-no-signal-forward'] as const) if (faultEnabled(f)) return [INIT_FAULT_DIR, initFaultBinary(f)];
  return ['ref-docker-init'];
}

/**
 * dist/native/<name> (ref-runc's front door, the native proxy: docs/benchmarks.md), or the
 * TypeScript program that does the same when the native build has not run (`npm ci` on a machine
 * without a C compiler).
 */
function nativeOr(dist: string, name: string, script: string): string {
  const native = path.join(dist, 'native', name);
  return existsSync(native) ? native : path.join(dist, script);
}

export function distDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
}

type Kind = 'string' | 'bool' | 'list';
interface FlagSpec {
  key: string;
  kind: Kind;
}

const FLAGS: Record<string, FlagSpec> = {
  host: { key: 'hosts', kind: 'list' },
  H: { key: 'hosts', kind: 'list' },
  'data-root': { key: 'dataRoot', kind: 'string' },
  'exec-root': { key: 'execRoot', kind: 'string' },
  pidfile: { key: 'pidfile', kind: 'string' },
  p: { key: 'pidfile', kind: 'string' },
  containerd: { key: 'containerd', kind: 'string' },
  init: { key: 'init', kind: 'bool' },
  'init-path': { key: 'initPath', kind: 'string' },
  'add-runtime': { key: 'addRuntime', kind: 'list' },
  'default-runtime': { key: 'defaultRuntime', kind: 'string' },
  'live-restore': { key: 'liveRestore', kind: 'bool' },
  'userland-proxy': { key: 'userlandProxy', kind: 'bool' },
  'userland-proxy-path': { key: 'userlandProxyPath', kind: 'string' },
  bip: { key: 'bip', kind: 'string' },
  bridge: { key: 'bridge', kind: 'string' },
  b: { key: 'bridge', kind: 'string' },
  iptables: { key: 'iptables', kind: 'bool' },
  'ip-masq': { key: 'ipMasq', kind: 'bool' },
  'ip-forward': { key: 'ipForward', kind: 'bool' },
  ip6tables: { key: 'ip6tables', kind: 'bool' },
  tls: { key: 'tls', kind: 'bool' },
  tlsverify: { key: 'tlsVerify', kind: 'bool' },
  tlscacert: { key: 'tlsCaCert', kind: 'string' },
  tlscert: { key: 'tlsCert', kind: 'string' },
  tlskey: { key: 'tlsKey', kind: 'string' },
  'log-level': { key: 'logLevel', kind: 'string' },
  l: { key: 'logLevel', kind: 'string' },
  debug: { key: 'debug', kind: 'bool' },
  D: { key: 'debug', kind: 'bool' },
  group: { key: 'group', kind: 'string' },
  G: { key: 'group', kind: 'string' },
  experimental: { key: 'experimental', kind: 'bool' },
  'storage-driver': { key: 'storageDriver', kind: 'string' },
  s: { key: 'storageDriver', kind: 'string' },
  'log-driver': { key: 'logDriver', kind: 'string' },
  'cgroup-parent': { key: 'cgroupParent', kind: 'string' },
};

function parseBool(name: string, v: string): boolean {
  if (/^(1|t|T|true|TRUE|True)$/.test(v)) return true;
  if (/^(0|f|F|false|FALSE|False)$/.test(v)) return false;
  throw new FlagError(`invalid argument "${v}" for "--${name}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

export function parseFlags(argv: string[]): DaemonConfig {
  const raw: Record<string, unknown> = { hosts: [], addRuntime: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    let name: string;
    let value: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      value = eq < 0 ? undefined : arg.slice(eq + 1);
      shown = `--${name}`;
    } else if (arg.startsWith('-') && arg.length > 1) {
      name = arg[1];
      const rest = arg.slice(2);
      value = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest;
      shown = `-${name}`;
    } else {
      // dockerd takes no positional arguments
      throw new FlagError(`"dockerd" accepts no arguments.`);
    }
    const spec = FLAGS[name];
    if (!spec) {
      throw new FlagError(name.length === 1 && !arg.startsWith('--') ? `unknown shorthand flag: '${name}' in ${arg}` : `unknown flag: ${shown}`);
    }
    if (spec.kind === 'bool') {
      raw[spec.key] = value === undefined ? true : parseBool(name, value);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: ${shown.length === 2 ? `'${name}' in ${shown}` : shown}`);
      value = argv[++i];
    }
    if (spec.kind === 'list') (raw[spec.key] as string[]).push(value);
    else raw[spec.key] = value;
  }

  const dist = distDir();
  // ref-runc's native front door: start, kill and delete without booting Node (runtime/runc/README.md).
  const runtimes: Record<string, string> = { runc: nativeOr(dist, 'ref-runc', 'bin/ref-runc.js') };
  for (const r of raw.addRuntime as string[]) {
    const eq = r.indexOf('=');
    if (eq <= 0) throw new FlagError(`invalid argument "${r}" for "--add-runtime" flag: runtime must be in the form name=path`);
    runtimes[r.slice(0, eq)] = r.slice(eq + 1);
  }
  const tlsVerify = Boolean(raw.tlsVerify);
  const cfg: DaemonConfig = {
    hosts: raw.hosts as string[],
    dataRoot: path.resolve((raw.dataRoot as string) ?? '/var/lib/ref-docker'),
    execRoot: path.resolve((raw.execRoot as string) ?? '/var/run/ref-docker'),
    pidfile: path.resolve((raw.pidfile as string) ?? '/var/run/ref-docker.pid'),
    containerd: raw.containerd as string | undefined,
    init: Boolean(raw.init),
    // Fault switches init-no-reap and init-no-signal-forward (lib/faults.ts): the init runs inside
    // the container without our environment, so the fault is a separate build of it.
    initPath: (raw.initPath as string) ?? path.join(dist, 'native', ...initFaultPath()),
    initPathGiven: raw.initPath !== undefined,
    runtimes,
    // Fault switch default-runtime-ignored (lib/faults.ts): the flag is parsed, then dropped.
    defaultRuntime: faultEnabled('default-runtime-ignored') ? 'runc' : ((raw.defaultRuntime as string) ?? 'runc'),
    // Fault switch no-live-restore (lib/faults.ts): the flag is parsed, then dropped.
    liveRestore: Boolean(raw.liveRestore) && !faultEnabled('no-live-restore'),
    userlandProxy: raw.userlandProxy === undefined ? true : Boolean(raw.userlandProxy),
    userlandProxyPath: (raw.userlandProxyPath as string) ?? nativeOr(dist, 'ref-docker-proxy', 'bin/ref-docker-proxy.js'),
    bip: raw.bip as string | undefined,
    bridge: raw.bridge as string | undefined,
    cgroupParent: (raw.cgroupParent as string) || '/docker',
    iptables: raw.iptables === undefined ? true : Boolean(raw.iptables),
    ipMasq: raw.ipMasq === undefined ? true : Boolean(raw.ipMasq),
    tls: Boolean(raw.tls) || tlsVerify,
    tlsVerify,
    tlsCaCert: raw.tlsCaCert as string | undefined,
    tlsCert: raw.tlsCert as string | undefined,
    tlsKey: raw.tlsKey as string | undefined,
    logLevel: raw.debug ? 'debug' : ((raw.logLevel as string) ?? 'info'),
    debug: Boolean(raw.debug),
    group: (raw.group as string) ?? 'docker',
    argv,
  };
  if (cfg.hosts.length === 0) cfg.hosts = ['unix:///var/run/ref-docker.sock'];
  if (!(cfg.defaultRuntime in cfg.runtimes)) {
    throw new FlagError(`specified default runtime '${cfg.defaultRuntime}' does not exist`);
  }
  return cfg;
}

/** dockerd prints flag errors in cobra's StatusError shape and exits 1 (measured). */
export function flagErrorText(err: FlagError): string {
  return `Status: ${err.message}\nSee 'dockerd --help'., Code: 125\n`;
}
