// Memory of an engine's processes as the kernel accounts it. RSS counts every resident page the
// process maps; PSS divides each shared page by the number of processes mapping it, so a page of
// the node binary shared by ten Node.js processes counts a tenth. PSS is the fair per-process cost
// but depends on what else runs on the machine (other engineers' Node.js processes share those
// pages too), which is why both are shown.
import { readFileSync } from 'node:fs';
import { engineProcesses } from '../harness/targets/sweeper.js';
import { ProcessInfo, processName } from '../lib/proc.js';
import { BenchEngine } from './engines.js';

export interface Mem {
  rssKiB: number;
  pssKiB: number;
}

/** Rss and Pss from /proc/<pid>/smaps_rollup (kB, as the kernel prints them). */
export function readMem(pid: number): Mem {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`no ${name} in /proc/${pid}/smaps_rollup`);
    return Number(m[1]);
  };
  return { rssKiB: field('Rss'), pssKiB: field('Pss') };
}

/** The engine's live processes playing a role, matched as `ps` shows them (argv[0] or comm). */
export function processesOf(e: BenchEngine, role: 'dockerd' | 'containerd' | 'containerd-shim' | 'docker-proxy'): ProcessInfo[] {
  const name = e.roleName(role);
  return engineProcesses(e.engine.record).filter((p) => p.state !== 'Z' && (processName(p) === name || p.comm === name.slice(0, 15)));
}

/** Mean RSS and PSS (MiB) over the processes; throws when there are none. */
export function meanMem(pids: number[], what: string): { rss: number; pss: number } {
  if (!pids.length) throw new Error(`no ${what} process found`);
  const mems = pids.map(readMem);
  const avg = (k: keyof Mem) => mems.reduce((s, m) => s + m[k], 0) / mems.length / 1024;
  return { rss: avg('rssKiB'), pss: avg('pssKiB') };
}
