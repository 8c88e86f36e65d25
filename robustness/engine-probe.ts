// What the robustness runs look at in a reference engine: its processes by role (from /proc, by
// pid and command line, never by a broad name), the daemon's RSS, and what it leaves behind.
import { readFileSync, readdirSync } from 'node:fs';
import { listProcesses, ProcessInfo } from '../lib/proc.js';
import { mountPointsUnder } from '../lib/mountinfo.js';
import { engineProcesses } from '../harness/targets/sweeper.js';
import type { ManagedEngine } from '../harness/targets/managed-engine.js';

export type Victim = 'dockerd' | 'containerd' | 'shim';

function cmd(p: ProcessInfo): string {
  return p.argv.join(' ');
}

/** The engine's processes that play a role, found below its roots. */
export function roleProcesses(engine: ManagedEngine, role: Victim | 'proxy', all = listProcesses()): ProcessInfo[] {
  const mine = engineProcesses(engine.record, all);
  switch (role) {
    case 'dockerd':
      return engine.running ? all.filter((p) => p.pid === engine.daemonPid) : [];
    case 'containerd':
      // ref-containerd rewrites its command line (process.title) to `ref-containerd --address …`,
      // so the script name is gone once it runs; match either form, never the shim
      return mine.filter((p) => /^ref-containerd(\s|$)|ref-containerd\.js/.test(cmd(p)) && !/ref-containerd-shim/.test(cmd(p)));
    case 'shim':
      return mine.filter((p) => /ref-containerd-shim/.test(cmd(p)));
    case 'proxy':
      return mine.filter((p) => /ref-docker-proxy/.test(cmd(p)));
  }
}

/** VmRSS of a process in MB. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** What an engine leaves once its containers are removed and its daemon stopped. */
export function leftovers(engine: ManagedEngine): string[] {
  const out: string[] = [];
  for (const p of engineProcesses(engine.record)) out.push(`process ${p.pid} (state ${p.state}, parent ${p.ppid}) ${p.argv.join(' ').slice(0, 100)}`);
  for (const m of mountPointsUnder(engine.root)) out.push(`mount ${m}`);
  try {
    for (const veth of readdirSync(`/sys/class/net/${engine.bridge}/brif`)) out.push(`veth ${veth} on ${engine.bridge}`);
  } catch {
    /* no bridge: nothing on it */
  }
  return out;
}
