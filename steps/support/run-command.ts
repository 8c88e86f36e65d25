// Runs what a person types, with DOCKER_HOST pointing at the engine under test. Every command has
// a deadline; a command that outlives it is killed with its whole process group.
import { spawn } from 'node:child_process';
import { scaled } from '../../lib/time-scale.js';

export interface CommandResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export function runCommand(command: string, env: NodeJS.ProcessEnv, timeoutMs = 60000, input?: string): Promise<CommandResult> {
  timeoutMs = scaled(timeoutMs);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        command,
        exitCode: code ?? (signal ? 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[signal] ?? 0) : -1),
        stdout,
        stderr,
        durationMs: Date.now() - started,
        timedOut,
      });
    });
    // A command that exits without reading its stdin closes the pipe first; that EPIPE is no
    // failure of the command (seen: "write EPIPE" failing a step on a loaded machine).
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

// Steps import the polling helper from here, beside the commands they wait on.
export { eventually } from '../../lib/eventually.js';
