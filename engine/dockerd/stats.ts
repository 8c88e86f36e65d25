// `GET /containers/{id}/stats` as dockerd 20.10 builds it: containerd's Tasks.Metrics answers with
// the shim's Stats, an Any of io.containerd.cgroups.v1.Metrics (cgroup v1 host) or
// io.containerd.cgroups.v2.Metrics (cgroup v2 host), and dockerd maps that message into
// types.StatsJSON (daemon/daemon_unix.go, statsV1 and statsV2). Nothing here reads a cgroup file:
// the shim does that. The JSON keeps StatsJSON's field order, its omitempty fields and Go's zero
// time, as captured with curl against dockerd 20.10.24. What the engine adds from the host (the
// host's CPU time, the online CPUs, the network counters) is in stats-collector.ts; what the CLI
// computes from it (CPU %, memory use without the page cache) stays with the CLI.
import { CGROUPS_V1_METRICS_TYPE, CGROUPS_V2_METRICS_TYPE, unpackMessage, type AnyValue } from '../../api/any.js';
import { faultEnabled } from '../../lib/faults.js';

export const ZERO_TIME = '0001-01-01T00:00:00Z';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** types.BlkioStats: a nil slice is JSON null, an empty one []. */
type BlkioStats = Record<(typeof BLKIO_KEYS)[number], BlkioEntry[] | null>;

/** One sample of a running container: StatsJSON without the previous sample, name and id. */
export interface Sample {
  read: string;
  pids_stats: { current?: number | object; limit?: number | object };
  blkio_stats: BlkioStats;
  cpu_stats: CpuStats;
  memory_stats: Record<string, unknown>;
  networks?: Record<string, Record<string, number>>;
}

const BLKIO_KEYS = [
  'io_service_bytes_recursive', 'io_serviced_recursive', 'io_queue_recursive', 'io_service_time_recursive',
  'io_wait_time_recursive', 'io_merged_recursive', 'io_time_recursive', 'sectors_recursive',
] as const;

/** The fields of the v1 BlkIOStat, in the order of BLKIO_KEYS (io_queue… is io_queued… there). */
const V1_BLKIO_FIELDS = [
  'ioServiceBytesRecursive', 'ioServicedRecursive', 'ioQueuedRecursive', 'ioServiceTimeRecursive',
  'ioWaitTimeRecursive', 'ioMergedRecursive', 'ioTimeRecursive', 'sectorsRecursive',
] as const;

/**
 * memory_stats.stats on cgroup v1: the key dockerd shows for each field of the v1 MemoryStat. Every
 * key is there, 0 included (a Go map filled field by field); Go prints a map's keys sorted.
 */
const V1_MEMORY_STATS: [key: string, field: string][] = [
  ['cache', 'cache'], ['rss', 'rss'], ['rss_huge', 'rssHuge'], ['mapped_file', 'mappedFile'], ['dirty', 'dirty'],
  ['writeback', 'writeback'], ['pgpgin', 'pgPgIn'], ['pgpgout', 'pgPgOut'], ['pgfault', 'pgFault'],
  ['pgmajfault', 'pgMajFault'], ['inactive_anon', 'inactiveAnon'], ['active_anon', 'activeAnon'],
  ['inactive_file', 'inactiveFile'], ['active_file', 'activeFile'], ['unevictable', 'unevictable'],
  ['hierarchical_memory_limit', 'hierarchicalMemoryLimit'], ['hierarchical_memsw_limit', 'hierarchicalSwapLimit'],
  ['total_cache', 'totalCache'], ['total_rss', 'totalRss'], ['total_rss_huge', 'totalRssHuge'],
  ['total_mapped_file', 'totalMappedFile'], ['total_dirty', 'totalDirty'], ['total_writeback', 'totalWriteback'],
  ['total_pgpgin', 'totalPgPgIn'], ['total_pgpgout', 'totalPgPgOut'], ['total_pgfault', 'totalPgFault'],
  ['total_pgmajfault', 'totalPgMajFault'], ['total_inactive_anon', 'totalInactiveAnon'],
  ['total_active_anon', 'totalActiveAnon'], ['total_inactive_file', 'totalInactiveFile'],
  ['total_active_file', 'totalActiveFile'], ['total_unevictable', 'totalUnevictable'],
];

/** memory_stats.stats on cgroup v2: the v2 MemoryStat's counters under memory.stat's names, every one present. */
const V2_MEMORY_STATS = [
  'anon', 'file', 'kernel_stack', 'slab', 'sock', 'shmem', 'file_mapped', 'file_dirty', 'file_writeback', 'anon_thp',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable',
  'pgfault', 'pgmajfault', 'workingset_refault', 'workingset_activate', 'workingset_nodereclaim', 'pgrefill', 'pgscan',
  'pgsteal', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed', 'thp_fault_alloc', 'thp_collapse_alloc',
];

const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

const rawJSON = (JSON as unknown as { rawJSON(text: string): object }).rawJSON;
/** 2^64 as a double: what the largest uint64 (a "max" limit) decodes to. */
const TWO_TO_64 = 2 ** 64;

/**
 * A uint64 counter as Go prints it. The codec decodes 64-bit fields to numbers, exact below 2^53;
 * above, JSON.stringify would print the double's shortest form (9223372036854772000 for a v1
 * hierarchical_memory_limit of 2^63 - 4096), and 2^64 - 1 (cgroup v2's "max") would come out as
 * 2^64, which the CLI's decoder refuses as out of range for uint64. The kernel's large values are
 * page multiples, which a double holds exactly, so the double's exact decimal is Go's number.
 */
export function uint64(n: number): number | object {
  if (n <= Number.MAX_SAFE_INTEGER) return n;
  return rawJSON(n >= TWO_TO_64 ? '18446744073709551615' : BigInt(n).toString());
}

/** The counters as Go's encoding/json prints a map[string]uint64: keys sorted. */
function sortedMap(entries: [string, number][]): Record<string, number | object> {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, uint64(v)]));
}

export function emptyCpuStats(): CpuStats {
  return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
}

function nullBlkio(): BlkioStats {
  return Object.fromEntries(BLKIO_KEYS.map((k) => [k, null])) as BlkioStats;
}

/**
 * PidsStats, both fields omitempty: a v1 pids.max of "max" (0 in v1's message) is left out, v2's
 * message has the largest uint64 for it, which shows.
 */
function pidsStats(pids: Msg | null): Sample['pids_stats'] {
  const out: Sample['pids_stats'] = {};
  if (pids?.current) out.current = uint64(pids.current);
  if (pids?.limit) out.limit = uint64(pids.limit);
  return out;
}

/**
 * MemoryStats in its JSON order (usage, max_usage, stats, failcnt, limit; each omitempty). A limit
 * above the machine's memory ("no limit") is shown as the machine's memory.
 */
function memoryStats(m: { usage?: number; max_usage?: number; stats: Record<string, unknown>; failcnt?: number; limit?: number }, machineMemory: number): Record<string, unknown> {
  const limit = m.limit && machineMemory > 0 && m.limit > machineMemory ? machineMemory : m.limit;
  const out: Record<string, unknown> = {};
  if (m.usage) out.usage = uint64(m.usage);
  if (m.max_usage) out.max_usage = uint64(m.max_usage);
  out.stats = m.stats;
  if (m.failcnt) out.failcnt = uint64(m.failcnt);
  if (limit) out.limit = uint64(limit);
  return out;
}

function fromV1(read: string, m: Msg, machineMemory: number): Sample {
  const blkio = m.blkio
    ? (Object.fromEntries(BLKIO_KEYS.map((k, i) => [k, (m.blkio[V1_BLKIO_FIELDS[i]] as Msg[]).map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value }))])) as BlkioStats)
    : nullBlkio();
  let cpu = emptyCpuStats();
  if (m.cpu) {
    const usage = m.cpu.usage ?? {};
    const throttling = m.cpu.throttling ?? {};
    cpu = {
      cpu_usage: {
        total_usage: usage.total ?? 0,
        ...(usage.perCpu?.length ? { percpu_usage: usage.perCpu as number[] } : {}),
        usage_in_kernelmode: usage.kernel ?? 0,
        usage_in_usermode: usage.user ?? 0,
      },
      throttling_data: { periods: throttling.periods ?? 0, throttled_periods: throttling.throttledPeriods ?? 0, throttled_time: throttling.throttledTime ?? 0 },
    };
  }
  let memory: Record<string, unknown> = {};
  if (m.memory) {
    const stats = sortedMap(V1_MEMORY_STATS.map(([key, field]) => [key, Number(m.memory[field] ?? 0)]));
    const u = m.memory.usage as Msg | null;
    memory = memoryStats(u ? { usage: u.usage, max_usage: u.max, stats, failcnt: u.failcnt, limit: u.limit } : { stats }, machineMemory);
  }
  return { read, pids_stats: pidsStats(m.pids), blkio_stats: blkio, cpu_stats: cpu, memory_stats: memory };
}

function fromV2(read: string, m: Msg, machineMemory: number): Sample {
  const blkio = nullBlkio();
  if (m.io) {
    // only bytes read and written per device: the other BlkioStats lists stay null
    const entries = (m.io.usage as Msg[]).flatMap((e) => [
      { major: e.major, minor: e.minor, op: 'read', value: e.rbytes },
      { major: e.major, minor: e.minor, op: 'write', value: e.wbytes },
    ]);
    blkio.io_service_bytes_recursive = entries.length ? entries : null;
  }
  let cpu = emptyCpuStats();
  if (m.cpu) {
    // microseconds in cgroup2's cpu.stat, nanoseconds in StatsJSON; no per-CPU usage on v2
    cpu = {
      cpu_usage: { total_usage: m.cpu.usageUsec * 1000, usage_in_kernelmode: m.cpu.systemUsec * 1000, usage_in_usermode: m.cpu.userUsec * 1000 },
      throttling_data: { periods: m.cpu.nrPeriods, throttled_periods: m.cpu.nrThrottled, throttled_time: m.cpu.throttledUsec * 1000 },
    };
  }
  let memory: Record<string, unknown> = {};
  if (m.memory) {
    const stats = sortedMap(V2_MEMORY_STATS.map((key) => [key, Number(m.memory[camel(key)] ?? 0)]));
    // no max_usage on v2; failcnt is the "oom" count of memory.events
    memory = memoryStats({ usage: m.memory.usage, stats, failcnt: m.memoryEvents?.oom, limit: m.memory.usageLimit }, machineMemory);
  }
  return { read, pids_stats: pidsStats(m.pids), blkio_stats: blkio, cpu_stats: cpu, memory_stats: memory };
}

/**
 * A sample from containerd's Metric of the container: `data` decoded by its type URL, `read` the
 * time containerd took it. Any other type is an error, as dockerd's "unexpected type of metrics".
 */
export function sampleFromMetrics(data: AnyValue, read: string, machineMemory: number): Sample {
  let sample: Sample;
  if (data.typeUrl === CGROUPS_V1_METRICS_TYPE) sample = fromV1(read, unpackMessage<Msg>(data, CGROUPS_V1_METRICS_TYPE)!, machineMemory);
  else if (data.typeUrl === CGROUPS_V2_METRICS_TYPE) sample = fromV2(read, unpackMessage<Msg>(data, CGROUPS_V2_METRICS_TYPE)!, machineMemory);
  else throw new Error(`unexpected type of metrics ${data.typeUrl}`);
  // lib/faults.ts: stats-memory-pids-dropped
  if (faultEnabled('stats-memory-pids-dropped')) return { ...sample, pids_stats: {}, memory_stats: {} };
  return sample;
}

/** types.StatsJSON of a running container: this sample against the previous one (or none). */
export function statsJson(name: string, id: string, now: Sample, prev: Sample | undefined): Record<string, unknown> {
  return {
    read: now.read,
    preread: prev?.read ?? ZERO_TIME,
    pids_stats: now.pids_stats,
    blkio_stats: now.blkio_stats,
    num_procs: 0,
    storage_stats: {},
    cpu_stats: now.cpu_stats,
    precpu_stats: prev?.cpu_stats ?? emptyCpuStats(),
    memory_stats: now.memory_stats,
    name,
    id,
    ...(now.networks ? { networks: now.networks } : {}),
  };
}

/**
 * What dockerd answers for a container that is not running, or whose sample failed: only its name
 * and id, all else zero.
 */
export function notRunningStatsJson(name: string, id: string): Record<string, unknown> {
  return {
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    blkio_stats: nullBlkio(),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: emptyCpuStats(),
    precpu_stats: emptyCpuStats(),
    memory_stats: {},
    name,
    id,
  };
}
