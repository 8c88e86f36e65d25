// Runs what a person types, with DOCKER_HOST pointing at the engine under test, through execa.
// Every command has a deadline; a command that outlives it is killed with its whole process group
// (a `docker run` that hangs takes its `docker` client and any pipe partners with it).
import { constants } from 'node:os';
import { execa } from 'execa';
import { scaled } from '../lib/time-scale.js';

export interface CommandResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export async function runCommand(command: string, env: NodeJS.ProcessEnv, timeoutMs = 60000, input?: string): Promise<CommandResult> {
  timeoutMs = scaled(timeoutMs);
  const started = Date.now();
  const r = await execa('bash', ['-c', command], {
    env,
    // an empty stdin, not the worker's, so that a command waiting for input ends
    input: input ?? '',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    killDescendants: true,
    // the step judges the exit code and the exact output itself
    reject: false,
    stripFinalNewline: false,
  });
  // A command that could not be started at all is an error of the harness, not a result.
  if (r.exitCode === undefined && r.signal === undefined && !r.timedOut) throw r.cause instanceof Error ? r.cause : new Error(r.message);
  const signal = r.signal ? (constants.signals as Record<string, number>)[r.signal] : undefined;
  return {
    command,
    exitCode: r.exitCode ?? (signal ? 128 + signal : -1),
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    durationMs: Date.now() - started,
    timedOut: Boolean(r.timedOut),
  };
}

// Steps import the polling helper from here, beside the commands they wait on.
export { eventually, throughout } from '../lib/eventually.js';
