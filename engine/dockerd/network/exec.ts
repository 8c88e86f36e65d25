// iproute2 and util-linux do the netlink and namespace work: they are on every host that runs
// Docker, and calling them keeps koffi and raw netlink out of ref-dockerd. Each call has a deadline
// so that a wedged `ip` cannot hang a `docker run`; Docker's netlink calls have none, so it only
// measures the host's speed and stretches with DOCKSPEC_TIME_SCALE (lib/time-scale.ts).
import { execFile } from 'node:child_process';
import { scaled } from '../../../lib/time-scale.js';

const DEFAULT_DEADLINE_MS = scaled(10_000);

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
    readonly code: number | string | null,
  ) {
    super(`${argv.join(' ')}: ${stderr.trim() || `exit ${code}`}`);
  }
}

export function run(cmd: string, args: readonly string[], opts: { input?: string; deadlineMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.deadlineMs ?? DEFAULT_DEADLINE_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string | null };
      const why = e.killed ? `no answer within ${opts.deadlineMs ?? DEFAULT_DEADLINE_MS} ms` : stderr || e.message;
      reject(new CommandError([cmd, ...args], why, e.code ?? null));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** `ip -batch -`: several changes for one process start; `-force` is not used, so the first failure stops it. */
export function ipBatch(lines: readonly string[], netnsPath?: string): Promise<string> {
  const input = lines.join('\n') + '\n';
  if (netnsPath) return run('nsenter', [`--net=${netnsPath}`, 'ip', '-batch', '-'], { input });
  return run('ip', ['-batch', '-'], { input });
}
