// HostConfig, declared once. Each field gives its Go type (the create decoder checks a request
// against it, as dockerd's json decoding would), the value inspect shows when the container's record
// lacks it (dockerd 20.10.24 shows every field), and whether create writes that value into the
// record (`kept`). The TypeScript type below is derived from the same table.
import { ANY, B, S, SS, STRSLICE, int, map, ptr, slice, str, struct, type GoType, type GoValue } from './go-types.js';

/** What a default may depend on: the daemon's configuration and its host. */
export interface DefaultsEnv {
  defaultRuntime: string;
  cgroupVersion: '1' | '2';
}

interface Opts<T> {
  default?: GoValue<T> | ((env: DefaultsEnv) => GoValue<T>);
  /** when a given value counts as unset (default: null or absent) */
  unset?: (v: GoValue<T> | undefined) => boolean;
}

/** Any field, for code that walks the table. */
interface AnyField {
  type: GoType;
  default?: unknown;
  /** create stores the default in the record when the request leaves the field unset */
  kept?: true;
  unset?: (v: never) => boolean;
}

const field = <T extends GoType>(type: T, opts: Opts<T> = {}): { type: T } & Opts<T> => ({ type, ...opts });
const kept = <T extends GoType>(type: T, opts: Opts<T>): { type: T; kept: true } & Opts<T> => ({ type, kept: true, ...opts });
/** Go's zero value means unset: dockerd fills these in when the client sends "" or 0 */
const zero = (v: unknown) => v === undefined || v === null || v === '' || v === 0;

const PORT_BINDING = struct('nat.PortBinding', 'PortBinding', { HostIp: S, HostPort: S });
const INT64 = int('int64');

const FIELDS = {
  Binds: kept(SS, { default: null }),
  ContainerIDFile: field(S, { default: '' }),
  // the reference writes json-file logs only: whatever the request asks for is replaced
  LogConfig: kept(struct('container.LogConfig', 'LogConfig', { Type: S, Config: map(S, 'map[string]string') }), {
    default: { Type: 'json-file', Config: {} },
    unset: () => true,
  }),
  NetworkMode: kept(str('container.NetworkMode'), { default: 'default', unset: zero }),
  PortBindings: kept(map(slice(PORT_BINDING, '[]nat.PortBinding'), 'nat.PortMap'), { default: {} }),
  RestartPolicy: kept(struct('container.RestartPolicy', 'RestartPolicy', { Name: S, MaximumRetryCount: int() }), {
    default: { Name: 'no', MaximumRetryCount: 0 },
    unset: (v) => !v?.Name,
  }),
  AutoRemove: kept(B, { default: false }),
  VolumeDriver: field(S, { default: '' }),
  VolumesFrom: field(SS, { default: null }),
  CapAdd: field(STRSLICE, { default: null }),
  CapDrop: field(STRSLICE, { default: null }),
  // dockerd's default: a private cgroup namespace where the host has cgroup v2 alone
  CgroupnsMode: kept(str('container.CgroupnsMode'), { default: (env) => (env.cgroupVersion === '2' ? 'private' : 'host'), unset: zero }),
  Dns: field(SS, { default: [] }),
  DnsOptions: field(SS, { default: [] }),
  DnsSearch: field(SS, { default: [] }),
  ExtraHosts: field(SS, { default: null }),
  GroupAdd: field(SS, { default: null }),
  IpcMode: field(str('container.IpcMode'), { default: 'private' }),
  Cgroup: field(str('container.CgroupSpec'), { default: '' }),
  Links: field(SS, { default: null }),
  OomScoreAdj: field(int(), { default: 0 }),
  PidMode: field(str('container.PidMode'), { default: '' }),
  Privileged: kept(B, { default: false }),
  PublishAllPorts: kept(B, { default: false }),
  ReadonlyRootfs: field(B, { default: false }),
  SecurityOpt: field(SS, { default: null }),
  UTSMode: field(str('container.UTSMode'), { default: '' }),
  UsernsMode: field(str('container.UsernsMode'), { default: '' }),
  ShmSize: kept(INT64, { default: 67108864, unset: zero }),
  Runtime: kept(S, { default: (env) => env.defaultRuntime, unset: zero }),
  // [2]uint: the decoder does not check unsigned types
  ConsoleSize: field(ANY, { default: [0, 0] }),
  Isolation: field(str('container.Isolation'), { default: '' }),
  CpuShares: kept(INT64, { default: 0 }),
  Memory: kept(INT64, { default: 0 }),
  NanoCpus: kept(INT64, { default: 0 }),
  CgroupParent: field(S, { default: '' }),
  // uint16: not checked, as ConsoleSize
  BlkioWeight: field(ANY, { default: 0 }),
  PidsLimit: kept(ptr(INT64), { default: null }),
  MaskedPaths: field(SS, {
    default: ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'],
  }),
  ReadonlyPaths: field(SS, { default: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'] }),
  // omitted by dockerd's inspect when unset
  MemorySwap: field(INT64),
  MemoryReservation: field(INT64),
  CpuPeriod: field(INT64),
  CpuQuota: field(INT64),
  Init: field(ptr(B)),
  Tmpfs: field(map(S, 'map[string]string')),
} satisfies Record<string, AnyField>;

type Fields = typeof FIELDS;
type IsKept<F> = F extends { kept: true } ? true : false;

/** The container's HostConfig as hostconfig.json keeps it: the request's fields plus the kept defaults. */
export type HostConfig = { [K in keyof Fields as IsKept<Fields[K]> extends true ? K : never]: GoValue<Fields[K]['type']> } & {
  [K in keyof Fields as IsKept<Fields[K]> extends true ? never : K]?: GoValue<Fields[K]['type']>;
};

/** The Go type container.HostConfig, for the create decoder. */
export const HOST_CONFIG_GO_TYPE = struct(
  'container.HostConfig',
  'HostConfig',
  Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, f.type])) as { [K in keyof Fields]: Fields[K]['type'] },
);

function resolve(f: AnyField, env: DefaultsEnv): unknown {
  const v = typeof f.default === 'function' ? (f.default as (env: DefaultsEnv) => unknown)(env) : f.default;
  // a fresh copy: defaults are shared, records are edited
  return structuredClone(v);
}

const entries = Object.entries(FIELDS) as Array<[string, AnyField]>;

/** Every field inspect shows, with the value it shows when the record lacks it; in dockerd's order. */
export function shownDefaults(env: DefaultsEnv): Record<string, unknown> {
  return Object.fromEntries(entries.filter(([, f]) => 'default' in f).map(([k, f]) => [k, resolve(f, env)]));
}

/** The record create keeps: what the request gave, with the kept defaults where it left them unset. */
export function newHostConfig(given: Record<string, unknown>, env: DefaultsEnv): HostConfig {
  const out: Record<string, unknown> = { ...given };
  for (const [k, f] of entries) {
    if (!('kept' in f)) continue;
    const unset = f.unset ?? ((v: unknown) => v === undefined || v === null);
    if (unset(given[k] as never)) out[k] = resolve(f, env);
  }
  return out as HostConfig;
}
