import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notRunningStatsJson, sampleContainer, statsJson } from './stats.js';

test('a sample of this process has dockerd\'s field order and a memory limit', () => {
  const now = sampleContainer(process.pid);
  const json = statsJson('/x', 'id', now, undefined);
  assert.deepEqual(Object.keys(json).slice(0, 11), ['read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id']);
  assert.equal(json.preread, '0001-01-01T00:00:00Z');
  assert.match(now.read, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  const mem = now.memory_stats as { usage?: number; limit?: number };
  if (mem.limit !== undefined) assert.ok(mem.limit > 0);
});

test('a container that is not running gets only its name and id (measured: dockerd 20.10.24)', () => {
  assert.equal(
    JSON.stringify(notRunningStatsJson('/stopped', 'x')),
    '{"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},"blkio_stats":{"io_service_bytes_recursive":null,"io_serviced_recursive":null,"io_queue_recursive":null,"io_service_time_recursive":null,"io_wait_time_recursive":null,"io_merged_recursive":null,"io_time_recursive":null,"sectors_recursive":null},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"memory_stats":{},"name":"/stopped","id":"x"}',
  );
});
