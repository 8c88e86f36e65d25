// What the figures were measured on; the table is meaningless without it.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';

export interface Machine {
  date: string;
  nproc: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  dockerd: string;
  dockerCli: string;
  dockspecCommit: string;
  loadAverageAtStart: string;
}

function tryRun(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function describeMachine(projectRoot: string): Machine {
  let load = 'unknown';
  try {
    load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
  } catch {
    // keep unknown
  }
  return {
    date: new Date().toISOString(),
    nproc: Number(tryRun('nproc', [])) || cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    node: process.version,
    dockerd: tryRun('dockerd', ['--version']),
    dockerCli: tryRun('docker', ['--version']),
    dockspecCommit: tryRun('git', ['-C', projectRoot, 'log', '-1', '--format=%h %s']),
    loadAverageAtStart: load,
  };
}
