// containerd's Metrics → types.StatsJSON, as dockerd 20.10 maps them (daemon_unix.go, statsV1 and
// statsV2). The messages go through the wire codec, as Tasks.Metrics brings them: v1 as a runc
// shim on a cgroup v1 host answers Task.Stats (this host's case), v2 as containerd's cgroup2 stats
// fill it (memory.max and pids.max of "max" as the largest uint64; dockerd 20.10 on containerd 1.6
// printed pids_stats.limit 18446744073709551615 in the cgroup v2 guest, docs/internals.md), which
// this cgroup v1 host cannot produce for real. The shim's own files-to-message side is in
// runtime/shim/cgroup-metrics.test.ts, and both sides together in tests/stats-metrics.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CGROUPS_V1_METRICS_TYPE, CGROUPS_V2_METRICS_TYPE, packMessage } from '../../api/any.js';
import { FAULTS_ENV } from '../../lib/faults.js';
import { notRunningStatsJson, sampleFromMetrics, statsJson, uint64 } from './stats.js';

const READ = '2026-12-08T02:40:01.123456789Z';
const MACHINE = 8 * 1024 ** 3;
const MAX_UINT64 = 18446744073709551615n;
/** memory.limit_in_bytes and hierarchical_memory_limit of a v1 cgroup without a limit */
const V1_NO_LIMIT = 9223372036854771712n;

/** A v1 Metrics message as containerd-shim-runc-v2 fills it for a container with --memory 64m. */
function v1Message() {
  return {
    hugetlb: [{ usage: 0, max: 0, failcnt: 0, pagesize: '2MB' }],
    pids: { current: 3, limit: 0 },
    cpu: {
      usage: { total: 41_000_000, kernel: 10_000_000, user: 20_000_000, perCpu: [30_000_000, 11_000_000] },
      throttling: { periods: 4, throttledPeriods: 1, throttledTime: 99 },
    },
    memory: {
      cache: 4096, rss: 331776, mappedFile: 0, pgPgIn: 180, pgPgOut: 99, pgFault: 240, pgMajFault: 1,
      inactiveAnon: 0, activeAnon: 331776, inactiveFile: 4096, activeFile: 0,
      hierarchicalMemoryLimit: 67108864, hierarchicalSwapLimit: V1_NO_LIMIT,
      totalCache: 4096, totalRss: 331776, totalPgPgIn: 180, totalPgPgOut: 99, totalPgFault: 240, totalPgMajFault: 1,
      totalActiveAnon: 331776, totalInactiveFile: 4096,
      usage: { limit: 67108864, usage: 335872, max: 1048576, failcnt: 0 },
      swap: { limit: V1_NO_LIMIT, usage: 335872, max: 1048576, failcnt: 0 },
      kernel: { limit: V1_NO_LIMIT, usage: 0, max: 0, failcnt: 0 },
      kernelTcp: { limit: V1_NO_LIMIT, usage: 0, max: 0, failcnt: 0 },
    },
    blkio: {
      ioServiceBytesRecursive: [
        { op: 'Read', device: '', major: 8, minor: 0, value: 4096 },
        { op: 'Write', device: '', major: 8, minor: 0, value: 0 },
      ],
      ioServicedRecursive: [{ op: 'Read', device: '', major: 8, minor: 0, value: 1 }],
    },
    memoryOomControl: { oomKillDisable: 0, underOom: 0, oomKill: 0 },
  };
}

/** A v2 Metrics message as containerd's cgroup2 stats fill it for a container without limits. */
function v2Message() {
  return {
    pids: { current: 2, limit: MAX_UINT64 },
    cpu: { usageUsec: 500, userUsec: 300, systemUsec: 200, nrPeriods: 6, nrThrottled: 2, throttledUsec: 7 },
    memory: {
      anon: 4096, file: 8192, kernelStack: 16384, slab: 1024, pgfault: 7, inactiveFile: 4096,
      usage: 335872, usageLimit: MAX_UINT64, swapUsage: 0, swapLimit: MAX_UINT64,
    },
    rdma: { current: [], limit: [] },
    io: { usage: [{ major: 8, minor: 0, rbytes: 4096, wbytes: 512, rios: 1, wios: 1 }] },
    hugetlb: [{ current: 0, max: MAX_UINT64, pagesize: '2MB' }],
    memoryEvents: { low: 0, high: 0, max: 3, oom: 1, oomKill: 1 },
  };
}

test('v1: dockerd\'s StatsJSON of the message, field by field and in its order (pids.max "max" left out)', () => {
  const now = sampleFromMetrics(packMessage(CGROUPS_V1_METRICS_TYPE, v1Message()), READ, MACHINE);
  const json = JSON.stringify(statsJson('/app', 'c0ffee', now, undefined));
  const stats =
    '{"active_anon":331776,"active_file":0,"cache":4096,"dirty":0,"hierarchical_memory_limit":67108864,"hierarchical_memsw_limit":9223372036854771712,' +
    '"inactive_anon":0,"inactive_file":4096,"mapped_file":0,"pgfault":240,"pgmajfault":1,"pgpgin":180,"pgpgout":99,"rss":331776,"rss_huge":0,' +
    '"total_active_anon":331776,"total_active_file":0,"total_cache":4096,"total_dirty":0,"total_inactive_anon":0,"total_inactive_file":4096,' +
    '"total_mapped_file":0,"total_pgfault":240,"total_pgmajfault":1,"total_pgpgin":180,"total_pgpgout":99,"total_rss":331776,"total_rss_huge":0,' +
    '"total_unevictable":0,"total_writeback":0,"unevictable":0,"writeback":0}';
  assert.equal(
    json,
    `{"read":"${READ}","preread":"0001-01-01T00:00:00Z","pids_stats":{"current":3},` +
      '"blkio_stats":{"io_service_bytes_recursive":[{"major":8,"minor":0,"op":"Read","value":4096},{"major":8,"minor":0,"op":"Write","value":0}],' +
      '"io_serviced_recursive":[{"major":8,"minor":0,"op":"Read","value":1}],"io_queue_recursive":[],"io_service_time_recursive":[],' +
      '"io_wait_time_recursive":[],"io_merged_recursive":[],"io_time_recursive":[],"sectors_recursive":[]},"num_procs":0,"storage_stats":{},' +
      '"cpu_stats":{"cpu_usage":{"total_usage":41000000,"percpu_usage":[30000000,11000000],"usage_in_kernelmode":10000000,"usage_in_usermode":20000000},' +
      '"throttling_data":{"periods":4,"throttled_periods":1,"throttled_time":99}},' +
      '"precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},' +
      `"memory_stats":{"usage":335872,"max_usage":1048576,"stats":${stats},"limit":67108864},"name":"/app","id":"c0ffee"}`,
  );
});

test('v1: no limit shows the machine\'s memory; no memory.usage, no cpu, no blkio leave those parts as dockerd leaves them', () => {
  const m = v1Message();
  m.memory.usage.limit = Number(V1_NO_LIMIT);
  const unlimited = sampleFromMetrics(packMessage(CGROUPS_V1_METRICS_TYPE, m), READ, MACHINE);
  assert.equal((unlimited.memory_stats as { limit: number }).limit, MACHINE);

  const bare = sampleFromMetrics(packMessage(CGROUPS_V1_METRICS_TYPE, { pids: { current: 1, limit: 30 }, memory: { cache: 4096 } }), READ, MACHINE);
  assert.deepEqual(bare.pids_stats, { current: 1, limit: 30 });
  assert.deepEqual(Object.keys(bare.memory_stats), ['stats']);
  assert.equal(Object.keys(bare.memory_stats.stats as object).length, 32);
  assert.deepEqual(bare.cpu_stats, { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } });
  assert.ok(Object.values(bare.blkio_stats).every((v) => v === null));
});

test('v2: microseconds to nanoseconds, no per-CPU usage or max_usage, failcnt from memory.events\' oom, read and write bytes per device', () => {
  const now = sampleFromMetrics(packMessage(CGROUPS_V2_METRICS_TYPE, v2Message()), READ, MACHINE);
  const json = JSON.parse(JSON.stringify(statsJson('/app', 'c0ffee', now, undefined)));
  assert.equal(json.read, READ);
  assert.deepEqual(json.cpu_stats, {
    cpu_usage: { total_usage: 500_000, usage_in_kernelmode: 200_000, usage_in_usermode: 300_000 },
    throttling_data: { periods: 6, throttled_periods: 2, throttled_time: 7000 },
  });
  assert.deepEqual(Object.keys(json.memory_stats), ['usage', 'stats', 'failcnt', 'limit']);
  assert.equal(json.memory_stats.usage, 335872);
  assert.equal(json.memory_stats.failcnt, 1);
  assert.equal(json.memory_stats.limit, MACHINE, 'memory.max "max" shows the machine\'s memory');
  const keys = Object.keys(json.memory_stats.stats);
  assert.equal(keys.length, 31);
  assert.deepEqual(keys, [...keys].sort());
  assert.equal(json.memory_stats.stats.kernel_stack, 16384);
  assert.equal(json.memory_stats.stats.inactive_file, 4096, 'the CLI subtracts it from usage');
  assert.equal(json.memory_stats.stats.pgscan, 0);
  assert.deepEqual(json.blkio_stats.io_service_bytes_recursive, [
    { major: 8, minor: 0, op: 'read', value: 4096 },
    { major: 8, minor: 0, op: 'write', value: 512 },
  ]);
  assert.equal(json.blkio_stats.io_serviced_recursive, null);
});

test('v2: pids.max "max" is printed as Go prints the largest uint64, which the CLI can decode', () => {
  const now = sampleFromMetrics(packMessage(CGROUPS_V2_METRICS_TYPE, v2Message()), READ, MACHINE);
  assert.equal(JSON.stringify(now.pids_stats), '{"current":2,"limit":18446744073709551615}');
  assert.equal(JSON.stringify(uint64(Number(V1_NO_LIMIT))), '9223372036854771712');
  assert.equal(JSON.stringify(uint64(4096)), '4096');
});

test('v2: a cgroup without io entries has null block I/O lists', () => {
  const m = { ...v2Message(), io: { usage: [] } };
  const now = sampleFromMetrics(packMessage(CGROUPS_V2_METRICS_TYPE, m), READ, MACHINE);
  assert.ok(Object.values(now.blkio_stats).every((v) => v === null));
});

test('a message of another type is refused as dockerd refuses it', () => {
  assert.throws(() => sampleFromMetrics({ typeUrl: 'containerd.types.Metric', value: Buffer.alloc(0) }, READ, MACHINE), /unexpected type of metrics containerd\.types\.Metric/);
});

test('the previous sample gives preread and precpu_stats', () => {
  const any = packMessage(CGROUPS_V1_METRICS_TYPE, v1Message());
  const prev = sampleFromMetrics(any, '2026-12-08T02:40:00.1Z', MACHINE);
  const json = statsJson('/app', 'c0ffee', sampleFromMetrics(any, READ, MACHINE), prev);
  assert.equal(json.preread, '2026-12-08T02:40:00.1Z');
  assert.deepEqual(json.precpu_stats, prev.cpu_stats);
});

test('the fault switch stats-memory-pids-dropped empties memory and pids, nothing else', (t) => {
  const before = process.env[FAULTS_ENV];
  t.after(() => (before === undefined ? delete process.env[FAULTS_ENV] : (process.env[FAULTS_ENV] = before)));
  process.env[FAULTS_ENV] = 'stats-memory-pids-dropped';
  const now = sampleFromMetrics(packMessage(CGROUPS_V1_METRICS_TYPE, v1Message()), READ, MACHINE);
  assert.deepEqual(now.pids_stats, {});
  assert.deepEqual(now.memory_stats, {});
  assert.equal(now.cpu_stats.cpu_usage.total_usage, 41_000_000);
});

test('a container that is not running gets only its name and id (measured: dockerd 20.10.24)', () => {
  assert.equal(
    JSON.stringify(notRunningStatsJson('/stopped', 'x')),
    '{"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},"blkio_stats":{"io_service_bytes_recursive":null,"io_serviced_recursive":null,"io_queue_recursive":null,"io_service_time_recursive":null,"io_wait_time_recursive":null,"io_merged_recursive":null,"io_time_recursive":null,"sectors_recursive":null},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"memory_stats":{},"name":"/stopped","id":"x"}',
  );
});
