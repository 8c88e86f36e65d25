// Task.Stats as containerd's runc shim answers it: the container's cgroup files read into
// containerd's cgroups Metrics, io.containerd.cgroups.v1.Metrics on a cgroup v1 host and
// io.containerd.cgroups.v2.Metrics on a v2 host, packed in an Any with that bare type URL. dockerd
// maps it into `docker stats` (engine/dockerd/stats.ts); ref-containerd's Tasks.Metrics passes it on
// unchanged.
//
// Counters are kept as decimal strings: uint64 on the wire, and a v1 limit of "no limit" is
// 2^63 - 4096, past what a JS number holds exactly.
import fs from 'node:fs';
import path from 'node:path';
import { CGROUPS_V1_METRICS_TYPE, CGROUPS_V2_METRICS_TYPE, packMessage, type AnyValue } from '../../api/any.js';
import { cgroupDirsOf, cgroupVersion, readCgroupFile as read } from '../../lib/cgroup-dirs.js';

type Counter = string;
type Msg = Record<string, unknown>;

/** What a "max" (no limit) reads as in containerd's cgroup2 stats: the largest uint64. */
const MAX_UINT64 = '18446744073709551615';
/** cpuacct.stat counts USER_HZ ticks (1/100 s); containerd reports nanoseconds. */
const NS_PER_TICK = 10_000_000n;

function counter(dir: string | undefined, file: string, max?: Counter): Counter | undefined {
  const text = read(dir, file);
  if (text === 'max') return max;
  return text !== undefined && /^\d+$/.test(text) ? text : undefined;
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control) */
function keyed(dir: string | undefined, file: string): Map<string, Counter> {
  const out = new Map<string, Counter>();
  for (const line of (read(dir, file) ?? '').split('\n')) {
    const [k, v] = line.split(/\s+/);
    if (k && v && /^\d+$/.test(v)) out.set(k, v);
  }
  return out;
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** memory.stat keys whose field name is not the key's: containerd splits the page counters. */
const V1_MEMORY_FIELDS: Record<string, string> = {
  pgpgin: 'pgPgIn',
  pgpgout: 'pgPgOut',
  pgfault: 'pgFault',
  pgmajfault: 'pgMajFault',
  hierarchical_memsw_limit: 'hierarchicalSwapLimit',
};

const V1_MEMORY_KEYS = [
  'cache', 'rss', 'rss_huge', 'mapped_file', 'dirty', 'writeback', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable',
];

function v1MemoryField(key: string): string | undefined {
  if (key === 'hierarchical_memory_limit' || key === 'hierarchical_memsw_limit') return V1_MEMORY_FIELDS[key] ?? camel(key);
  const total = key.startsWith('total_');
  const base = total ? key.slice('total_'.length) : key;
  if (!V1_MEMORY_KEYS.includes(base)) return undefined;
  const name = V1_MEMORY_FIELDS[base] ?? camel(base);
  return total ? `total${name[0]!.toUpperCase()}${name.slice(1)}` : name;
}

/** limit, usage, max and failcnt of one memory.* family (memory., memory.memsw., memory.kmem., memory.kmem.tcp.) */
function memoryEntry(dir: string, prefix: string): Msg {
  return {
    limit: counter(dir, `${prefix}limit_in_bytes`),
    usage: counter(dir, `${prefix}usage_in_bytes`),
    max: counter(dir, `${prefix}max_usage_in_bytes`),
    failcnt: counter(dir, `${prefix}failcnt`),
  };
}

/** "8:0 Read 4096" lines of one blkio file; the device's name is left empty, as dockerd ignores it. */
function blkioEntries(dir: string, file: string): Msg[] {
  const out: Msg[] = [];
  for (const line of (read(dir, file) ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\S+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: m[1], minor: m[2], op: m[3], value: m[4] });
  }
  return out;
}

const BLKIO_FILES: [field: string, file: string][] = [
  ['ioServiceBytesRecursive', 'io_service_bytes_recursive'],
  ['ioServicedRecursive', 'io_serviced_recursive'],
  ['ioQueuedRecursive', 'io_queued_recursive'],
  ['ioServiceTimeRecursive', 'io_service_time_recursive'],
  ['ioWaitTimeRecursive', 'io_wait_time_recursive'],
  ['ioMergedRecursive', 'io_merged_recursive'],
  ['ioTimeRecursive', 'io_time_recursive'],
  ['sectorsRecursive', 'sectors_recursive'],
];

function blkio(dir: string | undefined): Msg | undefined {
  if (!dir) return undefined;
  const stat: Msg = Object.fromEntries(BLKIO_FILES.map(([field, file]) => [field, blkioEntries(dir, `blkio.${file}`)]));
  // Without the CFQ scheduler the recursive files stay empty and only the throttle counters count.
  if ((stat.ioServicedRecursive as Msg[]).length === 0) {
    stat.ioServiceBytesRecursive = blkioEntries(dir, 'blkio.throttle.io_service_bytes');
    stat.ioServicedRecursive = blkioEntries(dir, 'blkio.throttle.io_serviced');
  }
  return stat;
}

/** io.containerd.cgroups.v1.Metrics from the controllers' directories of a process. */
export function v1Metrics(dirs: Map<string, string>): Msg {
  const metrics: Msg = {};
  const pids = dirs.get('pids');
  if (pids) metrics.pids = { current: counter(pids, 'pids.current'), limit: counter(pids, 'pids.max', '0') };

  const cpuacct = dirs.get('cpuacct');
  if (cpuacct) {
    const times = keyed(cpuacct, 'cpuacct.stat');
    const throttle = keyed(dirs.get('cpu'), 'cpu.stat');
    const ns = (ticks: Counter | undefined) => (ticks === undefined ? undefined : String(BigInt(ticks) * NS_PER_TICK));
    metrics.cpu = {
      usage: {
        total: counter(cpuacct, 'cpuacct.usage'),
        kernel: ns(times.get('system')),
        user: ns(times.get('user')),
        perCpu: (read(cpuacct, 'cpuacct.usage_percpu') ?? '').split(/\s+/).filter((x) => /^\d+$/.test(x)),
      },
      throttling: { periods: throttle.get('nr_periods'), throttledPeriods: throttle.get('nr_throttled'), throttledTime: throttle.get('throttled_time') },
    };
  }

  const memory = dirs.get('memory');
  if (memory) {
    const stat: Msg = {};
    for (const [k, v] of keyed(memory, 'memory.stat')) {
      const field = v1MemoryField(k);
      if (field) stat[field] = v;
    }
    stat.usage = memoryEntry(memory, 'memory.');
    stat.swap = memoryEntry(memory, 'memory.memsw.');
    stat.kernel = memoryEntry(memory, 'memory.kmem.');
    stat.kernelTcp = memoryEntry(memory, 'memory.kmem.tcp.');
    metrics.memory = stat;
    const oom = keyed(memory, 'memory.oom_control');
    metrics.memoryOomControl = { oomKillDisable: oom.get('oom_kill_disable'), underOom: oom.get('under_oom'), oomKill: oom.get('oom_kill') };
  }

  const io = blkio(dirs.get('blkio'));
  if (io) metrics.blkio = io;
  return metrics;
}

const V2_MEMORY_KEYS = [
  'anon', 'file', 'kernel_stack', 'slab', 'sock', 'shmem', 'file_mapped', 'file_dirty', 'file_writeback', 'anon_thp',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable',
  'pgfault', 'pgmajfault', 'workingset_refault', 'workingset_activate', 'workingset_nodereclaim', 'pgrefill', 'pgscan',
  'pgsteal', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed', 'thp_fault_alloc', 'thp_collapse_alloc',
];

/** io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device */
function ioEntries(dir: string): Msg[] {
  const out: Msg[] = [];
  for (const line of (read(dir, 'io.stat') ?? '').split('\n')) {
    const m = /^(\d+):(\d+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const kv = new Map(m[3]!.split(/\s+/).map((p) => p.split('=') as [string, string]));
    out.push({ major: m[1], minor: m[2], rbytes: kv.get('rbytes'), wbytes: kv.get('wbytes'), rios: kv.get('rios'), wios: kv.get('wios') });
  }
  return out;
}

/** io.containerd.cgroups.v2.Metrics from a process's cgroup2 directory. */
export function v2Metrics(dir: string): Msg {
  const cpu = keyed(dir, 'cpu.stat');
  const stat = keyed(dir, 'memory.stat');
  const events = keyed(dir, 'memory.events');
  const memory: Msg = Object.fromEntries(V2_MEMORY_KEYS.filter((k) => stat.has(k)).map((k) => [camel(k), stat.get(k)]));
  Object.assign(memory, {
    usage: counter(dir, 'memory.current'),
    usageLimit: counter(dir, 'memory.max', MAX_UINT64),
    swapUsage: counter(dir, 'memory.swap.current'),
    swapLimit: counter(dir, 'memory.swap.max', MAX_UINT64),
    maxUsage: counter(dir, 'memory.peak'),
    swapMaxUsage: counter(dir, 'memory.swap.peak'),
  });
  return {
    // unlike v1's pids controller, containerd's cgroup2 stats read a pids.max of "max" as the largest uint64
    pids: { current: counter(dir, 'pids.current'), limit: counter(dir, 'pids.max', MAX_UINT64) },
    cpu: {
      usageUsec: cpu.get('usage_usec'),
      userUsec: cpu.get('user_usec'),
      systemUsec: cpu.get('system_usec'),
      nrPeriods: cpu.get('nr_periods'),
      nrThrottled: cpu.get('nr_throttled'),
      throttledUsec: cpu.get('throttled_usec'),
    },
    memory,
    memoryEvents: { low: events.get('low'), high: events.get('high'), max: events.get('max'), oom: events.get('oom'), oomKill: events.get('oom_kill') },
    io: { usage: ioEntries(dir) },
  };
}

/** Where a container's cgroups are, from its PID 1; undefined when the process has none any more. */
export function containerCgroups(pid: number): Map<string, string> | undefined {
  if (!pid) return undefined;
  const dirs = cgroupDirsOf(pid);
  return dirs.size ? dirs : undefined;
}

/** The Stats answer for a container whose cgroups are `dirs`, for this host's cgroup version. */
export function statsAny(dirs: Map<string, string>): AnyValue {
  if (cgroupVersion() === '2') {
    const dir = dirs.get('');
    if (!dir) throw new Error('no cgroup2 directory');
    return packMessage(CGROUPS_V2_METRICS_TYPE, v2Metrics(dir));
  }
  return packMessage(CGROUPS_V1_METRICS_TYPE, v1Metrics(dirs));
}
