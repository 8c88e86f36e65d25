// Task.Stats' Metrics from cgroup files laid out as the kernel writes them, in a temporary
// directory: field numbers on the wire are checked in api/protos.test.ts, here which file feeds
// which field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileTree } from '../../tests/file-tree.js';
import { v1Metrics, v2Metrics } from './cgroup-metrics.js';
import { packMessage, unpackMessage, CGROUPS_V1_METRICS_TYPE, CGROUPS_V2_METRICS_TYPE } from '../../api/any.js';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const tree = (files: Record<string, string>) => fileTree(files, 'dockspec-cgroup-');

test('cgroup v1: pids, cpuacct (ticks to ns), throttling, memory.stat by key, the memory.* families, blkio', (t) => {
  const root = tree({
    'pids/pids.current': '3\n',
    'pids/pids.max': 'max\n',
    'cpuacct/cpuacct.usage': '123456789\n',
    'cpuacct/cpuacct.stat': 'user 7\nsystem 2\n',
    'cpuacct/cpuacct.usage_percpu': '100 200 \n',
    'cpu/cpu.stat': 'nr_periods 4\nnr_throttled 1\nthrottled_time 99\n',
    'memory/memory.stat': 'cache 4096\nrss 8192\npgpgin 11\ntotal_pgmajfault 2\nhierarchical_memory_limit 9223372036854771712\nhierarchical_memsw_limit 5\ntotal_rss 8192\nswap 0\n',
    'memory/memory.usage_in_bytes': '335872\n',
    'memory/memory.max_usage_in_bytes': '1000000\n',
    'memory/memory.limit_in_bytes': '67108864\n',
    'memory/memory.failcnt': '0\n',
    'memory/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
    'blkio/blkio.io_serviced_recursive': '',
    'blkio/blkio.throttle.io_service_bytes': '8:0 Read 4096\n8:0 Write 0\nTotal 4096\n',
    'blkio/blkio.throttle.io_serviced': '8:0 Read 1\n',
  });
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const dirs = new Map(['pids', 'cpuacct', 'cpu', 'memory', 'blkio'].map((c) => [c, path.join(root, c)]));
  const any = packMessage(CGROUPS_V1_METRICS_TYPE, v1Metrics(dirs));
  assert.equal(any.typeUrl, 'io.containerd.cgroups.v1.Metrics');
  const m = unpackMessage<Msg>(any, CGROUPS_V1_METRICS_TYPE)!;
  assert.deepEqual(m.pids, { current: 3, limit: 0 });
  assert.deepEqual(m.cpu.usage, { total: 123456789, kernel: 20_000_000, user: 70_000_000, perCpu: [100, 200] });
  assert.deepEqual(m.cpu.throttling, { periods: 4, throttledPeriods: 1, throttledTime: 99 });
  assert.equal(m.memory.cache, 4096);
  assert.equal(m.memory.rss, 8192);
  assert.equal(m.memory.pgPgIn, 11);
  assert.equal(m.memory.totalPgMajFault, 2);
  assert.equal(m.memory.totalRss, 8192);
  assert.equal(m.memory.hierarchicalSwapLimit, 5);
  assert.equal(m.memory.hierarchicalMemoryLimit, 9223372036854771712);
  assert.deepEqual(m.memory.usage, { limit: 67108864, usage: 335872, max: 1000000, failcnt: 0 });
  assert.deepEqual(m.memoryOomControl, { oomKillDisable: 0, underOom: 0, oomKill: 1 });
  assert.deepEqual(m.blkio.ioServiceBytesRecursive.map((e: Msg) => [e.major, e.minor, e.op, e.value]), [[8, 0, 'Read', 4096], [8, 0, 'Write', 0]]);
  assert.equal(m.blkio.ioServicedRecursive.length, 1);
});

test('cgroup v2: one directory; "max" reads as the largest uint64 (memory.max and pids.max alike)', (t) => {
  const root = tree({
    'pids.current': '2\n',
    'pids.max': 'max\n',
    'cpu.stat': 'usage_usec 500\nuser_usec 300\nsystem_usec 200\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
    'memory.stat': 'anon 4096\nfile 8192\nkernel_stack 16384\npgfault 7\n',
    'memory.current': '335872\n',
    'memory.max': 'max\n',
    'memory.swap.current': '0\n',
    'memory.swap.max': '0\n',
    'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
    'io.stat': '8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n',
  });
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const m = unpackMessage<Msg>(packMessage(CGROUPS_V2_METRICS_TYPE, v2Metrics(root)), CGROUPS_V2_METRICS_TYPE)!;
  assert.deepEqual(m.pids, { current: 2, limit: 18446744073709551615 });
  assert.equal(m.cpu.usageUsec, 500);
  assert.equal(m.cpu.systemUsec, 200);
  assert.equal(m.memory.anon, 4096);
  assert.equal(m.memory.kernelStack, 16384);
  assert.equal(m.memory.usage, 335872);
  assert.equal(m.memory.usageLimit, 18446744073709551615);
  assert.equal(m.memory.swapLimit, 0);
  assert.deepEqual(m.memoryEvents, { low: 0, high: 0, max: 3, oom: 1, oomKill: 1 });
  assert.deepEqual(m.io.usage, [{ major: 8, minor: 0, rbytes: 4096, wbytes: 0, rios: 1, wios: 0 }]);
});
