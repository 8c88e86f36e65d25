// What steps of every area say about processes: "it" (the process a step found), how a process is
// described in a failure, a container's process tree, and ADDRESS:PORT as /proc/net shows it.
import type { DockspecWorld } from './world.js';
import { descendantsOf, ProcessInfo } from '../../lib/proc.js';

/** "it" in the steps that follow: the process(es) this step found. */
export function setSubject(world: DockspecWorld, procs: ProcessInfo[]): void {
  world.subject = procs;
}

export function subjectOf(world: DockspecWorld): ProcessInfo[] {
  const s = world.subject;
  if (!s?.length) throw new Error('"it" refers to no process: a step that finds a process must come first');
  return s;
}

export function describeProcess(p: ProcessInfo): string {
  return `pid ${p.pid} ppid ${p.ppid} pgid ${p.pgid} state ${p.state} NSpid ${p.nspid.join(',')} "${p.argv.join(' ') || `[${p.comm}]`}"`;
}

/** The container's PID 1 as the host sees it, and everything below it. */
export async function containerTree(world: DockspecWorld, name: string): Promise<{ init: ProcessInfo; below: ProcessInfo[] }> {
  const pid = await world.containerPid(name);
  const all = await world.listProcesses();
  const init = all.find((p) => p.pid === pid);
  if (!init) throw new Error(`container ${name}: its PID 1 (host pid ${pid}) is not in /proc of ${world.host.description}`);
  return { init, below: descendantsOf(pid, all) };
}

/** "0.0.0.0:123", "[::]:123", "127.0.0.2:123" → address and port as /proc/net/tcp* shows them. */
export function parseHostPort(text: string): { address: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`"${text}" is not ADDRESS:PORT (write IPv6 addresses in brackets: [::]:8080)`);
  return { address: m[1], port: Number(m[2]) };
}
