// The OCI runtime command line, exactly as containerd's runc shim calls it, so that real runc,
// ref-runc and `--add-runtime` wrappers are interchangeable. Errors carry the runtime's own last
// error from its JSON log, the way containerd reads it back ("OCI runtime create failed: …").
import { spawn, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import type { Reaper } from './reaper.js';

export interface RuntimeContext {
  runtimePath: string;
  /** `--root`, e.g. <exec-root>/runtime-runc/moby */
  runtimeRoot: string;
  /** `--log` (JSON), <bundle>/log.json */
  logFile: string;
  reaper: Reaper;
}

export interface RunOptions {
  /** the child's fds 0..2; defaults to nothing in, output captured for the error text */
  stdio?: StdioOptions;
  cwd?: string;
  deadlineMs?: number;
}

export class RuntimeError extends Error {
  constructor(
    readonly command: string,
    readonly runtimeMessage: string,
  ) {
    super(`OCI runtime ${command} failed: ${runtimeMessage}`);
  }
}

export function runtimeArgs(ctx: RuntimeContext, args: string[]): string[] {
  return ['--root', ctx.runtimeRoot, '--log', ctx.logFile, '--log-format', 'json', ...args];
}

export function run(ctx: RuntimeContext, args: string[], opts: RunOptions = {}): Promise<void> {
  const command = args[0]!;
  const deadlineMs = opts.deadlineMs ?? 30_000;
  const logSizeBefore = fileSize(ctx.logFile);
  return new Promise((resolve, reject) => {
    const release = ctx.reaper.hold();
    let stderr = '';
    let child;
    try {
      child = spawn(ctx.runtimePath, runtimeArgs(ctx, args), {
        stdio: opts.stdio ?? ['ignore', 'ignore', 'pipe'],
        cwd: opts.cwd,
      });
    } catch (err) {
      release();
      reject(new RuntimeError(command, (err as Error).message));
      return;
    }
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      if (stderr.length < 8192) stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `${ctx.runtimePath} ${command} did not finish within ${deadlineMs} ms`;
    }, deadlineMs);
    child.on('error', (err) => {
      // spawn failed (ENOENT, EACCES): no 'exit' follows
      clearTimeout(timer);
      release();
      reject(new RuntimeError(command, `exec: "${ctx.runtimePath}": ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      release();
      if (code === 0) return resolve();
      const message = lastRuntimeError(ctx.logFile, logSizeBefore) ?? (stderr.trim() || (signal ? `signal: ${signal}` : `exit status ${code}`));
      reject(new RuntimeError(command, message));
    });
  });
}

function fileSize(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch {
    return 0;
  }
}

/** The last error the runtime logged during this command (lines appended after `from`). */
export function lastRuntimeError(logFile: string, from = 0): string | undefined {
  let text: string;
  try {
    const buf = fs.readFileSync(logFile);
    text = buf.subarray(from).toString('utf8');
  } catch {
    return undefined;
  }
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === 'error' || entry.level === 'fatal') && entry.msg) last = entry.msg;
    } catch {
      // a torn or foreign line; runc writes one JSON object per line
    }
  }
  return last;
}
