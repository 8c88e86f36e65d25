// `docker stats` across the seam: ref-containerd-shim reads a container's cgroup files into its
// Task.Stats Metrics (runtime/shim/cgroup-metrics.ts), the bytes travel unchanged through
// Tasks.Metrics, and ref-dockerd maps them into StatsJSON (engine/dockerd/stats.ts). The cgroup
// trees are laid out as the kernel writes them in a temporary directory, so the cgroup v2 pair is
// checked on this cgroup v1 host too. What the CLI shows is what these scenarios check on a real
// container: features/isolation/cgroups.feature, isolation.stats-memory and isolation.stats-pids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileTree } from './file-tree.js';
import { v1Metrics, v2Metrics } from '../runtime/shim/cgroup-metrics.js';
import { sampleFromMetrics } from '../engine/dockerd/stats.js';
import { CGROUPS_V1_METRICS_TYPE, CGROUPS_V2_METRICS_TYPE, packMessage, type AnyValue } from '../api/any.js';
import { decode, encode } from '../api/protos.js';

const MACHINE = 8 * 1024 ** 3;

const tree = (files: Record<string, string>) => fileTree(files, 'dockspec-stats-');

/** The Any as ref-dockerd receives it: inside a containerd.types.Metric, encoded and decoded again. */
function overTheWire(data: AnyValue): { timestamp: string; data: AnyValue } {
  const bytes = encode('containerd.types.Metric', { timestamp: { seconds: 1_796_006_400, nanos: 5 }, id: 'c0ffee', data });
  const m = decode<{ data: AnyValue }>('containerd.types.Metric', bytes);
  return { timestamp: '2026-12-01T00:00:00.000000005Z', data: m.data };
}

test('cgroup v1: --memory 64m and three processes read as the CLI shows them (usage out of 64MiB, PIDS 3)', (t) => {
  const root = tree({
    'pids/pids.current': '3\n',
    'pids/pids.max': 'max\n',
    'cpuacct/cpuacct.usage': '123456789\n',
    'cpuacct/cpuacct.stat': 'user 7\nsystem 2\n',
    'cpuacct/cpuacct.usage_percpu': '100 200 \n',
    'cpu/cpu.stat': 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n',
    'memory/memory.stat': 'cache 0\nrss 331776\ntotal_rss 331776\ntotal_inactive_file 0\nhierarchical_memory_limit 67108864\n',
    'memory/memory.usage_in_bytes': '335872\n',
    'memory/memory.max_usage_in_bytes': '1000000\n',
    'memory/memory.limit_in_bytes': '67108864\n',
    'memory/memory.failcnt': '0\n',
  });
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const dirs = new Map(['pids', 'cpuacct', 'cpu', 'memory'].map((c) => [c, path.join(root, c)]));
  const metric = overTheWire(packMessage(CGROUPS_V1_METRICS_TYPE, v1Metrics(dirs)));
  const s = sampleFromMetrics(metric.data, metric.timestamp, MACHINE);
  assert.equal(s.read, '2026-12-01T00:00:00.000000005Z');
  assert.deepEqual(s.pids_stats, { current: 3 });
  assert.equal(s.memory_stats.usage, 335872);
  assert.equal(s.memory_stats.limit, 64 * 1024 ** 2);
  assert.equal(s.memory_stats.max_usage, 1000000);
  assert.equal(s.cpu_stats.cpu_usage.total_usage, 123456789);
  assert.deepEqual(s.cpu_stats.cpu_usage.percpu_usage, [100, 200]);
  assert.equal(s.cpu_stats.cpu_usage.usage_in_usermode, 70_000_000);
});

test('cgroup v2: the same container on a unified host, limits of "max" included', (t) => {
  const root = tree({
    'pids.current': '3\n',
    'pids.max': 'max\n',
    'cpu.stat': 'usage_usec 500\nuser_usec 300\nsystem_usec 200\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
    'memory.stat': 'anon 331776\nfile 4096\ninactive_file 4096\n',
    'memory.current': '335872\n',
    'memory.max': '67108864\n',
    'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n',
    'io.stat': '',
  });
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const metric = overTheWire(packMessage(CGROUPS_V2_METRICS_TYPE, v2Metrics(root)));
  const s = sampleFromMetrics(metric.data, metric.timestamp, MACHINE);
  assert.equal(JSON.stringify(s.pids_stats), '{"current":3,"limit":18446744073709551615}');
  assert.equal(s.memory_stats.usage, 335872);
  assert.equal(s.memory_stats.limit, 64 * 1024 ** 2);
  assert.equal(s.memory_stats.max_usage, undefined);
  assert.equal((s.memory_stats.stats as Record<string, number>).inactive_file, 4096);
  assert.equal(s.cpu_stats.cpu_usage.total_usage, 500_000);

  fs.writeFileSync(path.join(root, 'memory.max'), 'max\n');
  const unlimited = overTheWire(packMessage(CGROUPS_V2_METRICS_TYPE, v2Metrics(root)));
  assert.equal(sampleFromMetrics(unlimited.data, unlimited.timestamp, MACHINE).memory_stats.limit, MACHINE);
});
