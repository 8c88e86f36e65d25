// `GET /containers/{id}/stats`: one sample of a running container's resource use, read from the
// cgroup files of its PID 1 (cgroup v1: memory, cpuacct, cpu, pids; cgroup v2: memory.current,
// memory.max, memory.stat, memory.events, cpu.stat, pids.current, pids.max) and from /proc/<pid>/net/dev,
// which lists the interfaces of the container's net namespace. The JSON follows dockerd 20.10.24's
// types.StatsJSON (field order, omitempty fields, Go's zero time), captured with curl against it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nowRfc3339Nano } from './container.js';
import { cgroupDirsOf, cgroupVersion, readCgroupFile as readText } from '../../lib/cgroup-dirs.js';

export { cgroupDirsOf, cgroupVersion };

export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Nanoseconds per USER_HZ tick: Linux reports cpuacct.stat and /proc/stat in 1/100 s. */
const NS_PER_TICK = 1e7;

/**
 * The keys of memory_stats.stats that dockerd 20.10 shows for a v1 memory cgroup (containerd's
 * MemoryStat, named as in memory.stat), printed by Go in sorted order.
 */
const MEMORY_STAT_KEYS = [
  'active_anon', 'active_file', 'cache', 'dirty', 'hierarchical_memory_limit', 'hierarchical_memsw_limit',
  'inactive_anon', 'inactive_file', 'mapped_file', 'pgfault', 'pgmajfault', 'pgpgin', 'pgpgout', 'rss', 'rss_huge',
  'total_active_anon', 'total_active_file', 'total_cache', 'total_dirty', 'total_inactive_anon', 'total_inactive_file',
  'total_mapped_file', 'total_pgfault', 'total_pgmajfault', 'total_pgpgin', 'total_pgpgout', 'total_rss',
  'total_rss_huge', 'total_unevictable', 'total_writeback', 'unevictable', 'writeback',
];

/**
 * The keys of memory_stats.stats on cgroup v2: dockerd 20.10 fills them from containerd's v2
 * MemoryStat, every key present (0 when memory.stat lacks it), named as in memory.stat.
 */
const MEMORY_STAT_KEYS_V2 = [
  'active_anon', 'active_file', 'anon', 'anon_thp', 'file', 'file_dirty', 'file_mapped', 'file_writeback',
  'inactive_anon', 'inactive_file', 'kernel_stack', 'pgactivate', 'pgdeactivate', 'pgfault', 'pglazyfree',
  'pglazyfreed', 'pgmajfault', 'pgrefill', 'pgscan', 'pgsteal', 'shmem', 'slab', 'slab_reclaimable',
  'slab_unreclaimable', 'sock', 'thp_collapse_alloc', 'thp_fault_alloc', 'unevictable', 'workingset_activate',
  'workingset_nodereclaim', 'workingset_refault',
];

export interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface Sample {
  read: string;
  pids_stats: { current?: number; limit?: number };
  cpu_stats: CpuStats;
  memory_stats: Record<string, unknown>;
  networks?: Record<string, Record<string, number>>;
}

function readNumber(dir: string | undefined, file: string): number | undefined {
  const text = readText(dir, file);
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

function keyValues(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.split(/\s+/);
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

/** The host's CPU time so far in nanoseconds: the first seven fields of /proc/stat's cpu line, as dockerd sums them. */
function systemCpuUsage(): number | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    if (!line) return undefined;
    const ticks = line.trim().split(/\s+/).slice(1, 8).reduce((s, x) => s + Number(x), 0);
    return ticks * NS_PER_TICK;
  } catch {
    return undefined;
  }
}

/** dockerd caps an unlimited memory cgroup's limit at the machine's memory. */
function machineMemory(): number {
  return os.totalmem();
}

function networksOf(pid: number): Record<string, Record<string, number>> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, Record<string, number>> = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    out[m[1]] = {
      rx_bytes: f[0], rx_packets: f[1], rx_errors: f[2], rx_dropped: f[3],
      tx_bytes: f[8], tx_packets: f[9], tx_errors: f[10], tx_dropped: f[11],
    };
  }
  // dockerd leaves "networks" out when the container has no interface but lo (--network none)
  return Object.keys(out).length ? out : undefined;
}

export function emptyCpuStats(): CpuStats {
  return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
}

/** One sample of the container whose PID 1 is `pid`. */
export function sampleContainer(pid: number): Sample {
  const dirs = cgroupDirsOf(pid);
  if (cgroupVersion() === '2') return sampleUnified(pid, dirs.get(''));
  const read = nowRfc3339Nano();
  const pids: Sample['pids_stats'] = {};
  const current = readNumber(dirs.get('pids'), 'pids.current');
  if (current) pids.current = current;
  const pidsMax = readNumber(dirs.get('pids'), 'pids.max');
  if (pidsMax) pids.limit = pidsMax;

  const cpuacct = dirs.get('cpuacct');
  const percpu = (readText(cpuacct, 'cpuacct.usage_percpu') ?? '').split(/\s+/).filter(Boolean).map(Number);
  const times = keyValues(readText(cpuacct, 'cpuacct.stat'));
  const throttling = keyValues(readText(dirs.get('cpu'), 'cpu.stat'));
  const cpu: CpuStats = {
    cpu_usage: {
      total_usage: readNumber(cpuacct, 'cpuacct.usage') ?? 0,
      ...(percpu.length ? { percpu_usage: percpu } : {}),
      usage_in_kernelmode: (times.get('system') ?? 0) * NS_PER_TICK,
      usage_in_usermode: (times.get('user') ?? 0) * NS_PER_TICK,
    },
    system_cpu_usage: systemCpuUsage(),
    online_cpus: percpu.length || os.cpus().length,
    throttling_data: {
      periods: throttling.get('nr_periods') ?? 0,
      throttled_periods: throttling.get('nr_throttled') ?? 0,
      throttled_time: throttling.get('throttled_time') ?? 0,
    },
  };

  const memDir = dirs.get('memory');
  const memory: Record<string, unknown> = {};
  if (memDir) {
    const stat = keyValues(readText(memDir, 'memory.stat'));
    const stats: Record<string, number> = {};
    for (const k of MEMORY_STAT_KEYS) if (stat.has(k)) stats[k] = stat.get(k)!;
    const usage = readNumber(memDir, 'memory.usage_in_bytes');
    const maxUsage = readNumber(memDir, 'memory.max_usage_in_bytes');
    const failcnt = readNumber(memDir, 'memory.failcnt');
    let limit = readNumber(memDir, 'memory.limit_in_bytes');
    if (limit !== undefined && limit > machineMemory()) limit = machineMemory();
    if (usage) memory.usage = usage;
    if (maxUsage) memory.max_usage = maxUsage;
    memory.stats = stats;
    if (failcnt) memory.failcnt = failcnt;
    if (limit) memory.limit = limit;
  }
  return { read, pids_stats: pids, cpu_stats: cpu, memory_stats: memory, networks: networksOf(pid) };
}

/**
 * A sample from the container's cgroup v2 directory, as dockerd 20.10 builds it from containerd's
 * v2 metrics: CPU times from cpu.stat in microseconds (no per-CPU usage), no max_usage, and
 * failcnt from the "oom" count of memory.events.
 */
function sampleUnified(pid: number, dir: string | undefined): Sample {
  const read = nowRfc3339Nano();
  const pids: Sample['pids_stats'] = {};
  const current = readNumber(dir, 'pids.current');
  if (current) pids.current = current;
  const pidsMax = readNumber(dir, 'pids.max');
  if (pidsMax) pids.limit = pidsMax;

  const cpuStat = keyValues(readText(dir, 'cpu.stat'));
  const cpu: CpuStats = {
    cpu_usage: {
      total_usage: (cpuStat.get('usage_usec') ?? 0) * 1000,
      usage_in_kernelmode: (cpuStat.get('system_usec') ?? 0) * 1000,
      usage_in_usermode: (cpuStat.get('user_usec') ?? 0) * 1000,
    },
    system_cpu_usage: systemCpuUsage(),
    online_cpus: os.cpus().length,
    throttling_data: {
      periods: cpuStat.get('nr_periods') ?? 0,
      throttled_periods: cpuStat.get('nr_throttled') ?? 0,
      throttled_time: (cpuStat.get('throttled_usec') ?? 0) * 1000,
    },
  };

  const memory: Record<string, unknown> = {};
  if (dir && fs.existsSync(path.join(dir, 'memory.current'))) {
    const stat = keyValues(readText(dir, 'memory.stat'));
    const usage = readNumber(dir, 'memory.current');
    // "max" (no limit) is not a number: dockerd then shows the machine's memory
    let limit = readNumber(dir, 'memory.max') ?? Number.MAX_SAFE_INTEGER;
    if (limit > machineMemory()) limit = machineMemory();
    const oom = keyValues(readText(dir, 'memory.events')).get('oom');
    if (usage) memory.usage = usage;
    memory.stats = Object.fromEntries(MEMORY_STAT_KEYS_V2.map((k) => [k, stat.get(k) ?? 0]));
    if (oom) memory.failcnt = oom;
    if (limit) memory.limit = limit;
  }
  return { read, pids_stats: pids, cpu_stats: cpu, memory_stats: memory, networks: networksOf(pid) };
}

/** types.StatsJSON of a running container: this sample against the previous one (or none). */
export function statsJson(name: string, id: string, now: Sample, prev: Sample | undefined): Record<string, unknown> {
  const blkio = Object.fromEntries(
    ['io_service_bytes_recursive', 'io_serviced_recursive', 'io_queue_recursive', 'io_service_time_recursive',
      'io_wait_time_recursive', 'io_merged_recursive', 'io_time_recursive', 'sectors_recursive'].map((k) => [k, []]),
  );
  return {
    read: now.read,
    preread: prev?.read ?? ZERO_TIME,
    pids_stats: now.pids_stats,
    blkio_stats: blkio,
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

/** What dockerd answers for a container that is not running: only its name and id, all else zero. */
export function notRunningStatsJson(name: string, id: string): Record<string, unknown> {
  const blkio = Object.fromEntries(
    ['io_service_bytes_recursive', 'io_serviced_recursive', 'io_queue_recursive', 'io_service_time_recursive',
      'io_wait_time_recursive', 'io_merged_recursive', 'io_time_recursive', 'sectors_recursive'].map((k) => [k, null]),
  );
  return {
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    blkio_stats: blkio,
    num_procs: 0,
    storage_stats: {},
    cpu_stats: emptyCpuStats(),
    precpu_stats: emptyCpuStats(),
    memory_stats: {},
    name,
    id,
  };
}
