// One `docker stats` sample of a running container, as dockerd's stats collector takes it once a
// second: the container's cgroup numbers from containerd (Tasks.Metrics, mapped in stats.ts), then,
// from the engine's own host, the host's CPU time and online CPUs (close to the container's, for the
// CLI's CPU %), and the counters of the container's network interfaces (dockerd asks its network
// sandbox; the interfaces of the net namespace are what /proc/<pid>/net/dev lists).
import fs from 'node:fs';
import os from 'node:os';
import type { TaskService } from '../containerd/task-service.js';
import { sampleFromMetrics, type CpuStats, type Sample } from './stats.js';

/** Nanoseconds per USER_HZ tick: /proc/stat counts in 1/100 s. */
const NS_PER_TICK = 1e7;

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

/** dockerd counts the CPUs of its own affinity mask (sched_getaffinity), as libuv does here. */
function onlineCpus(): number {
  return os.availableParallelism();
}

/** dockerd shows a container without a memory limit against the machine's memory (MemTotal). */
export function machineMemory(): number {
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

/** CPUStats in its JSON order, with what the collector adds after containerd's numbers. */
function withHostCpu(cpu: CpuStats): CpuStats {
  const system = systemCpuUsage();
  return {
    cpu_usage: cpu.cpu_usage,
    ...(system ? { system_cpu_usage: system } : {}),
    online_cpus: onlineCpus(),
    throttling_data: cpu.throttling_data,
  };
}

/** One sample of the container `id`, whose PID 1 is `pid`; rejects as containerd's Metrics call does. */
export async function sampleContainer(tasks: TaskService, id: string, pid: number): Promise<Sample> {
  const metric = await tasks.metrics(id);
  const sample = sampleFromMetrics(metric.data, metric.timestamp, machineMemory());
  const networks = networksOf(pid);
  return { ...sample, cpu_stats: withHostCpu(sample.cpu_stats), ...(networks ? { networks } : {}) };
}
