// A `docker events` left running while a scenario goes on, as a person watches the engine in a
// second terminal: every line it prints is kept, parsed when it is JSON (`--format '{{json .}}'`).
// It is ended, with its process group, when the scenario is over.
import { spawn, type ChildProcess } from 'node:child_process';

export interface StreamedEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  [k: string]: unknown;
}

export class EventStream {
  readonly lines: string[] = [];
  stderr = '';
  private readonly child: ChildProcess;
  private partial = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly command: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn('bash', ['-c', `exec ${command}`], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts.filter(Boolean));
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  events(): StreamedEvent[] {
    return this.lines.map((l) => {
      try {
        return JSON.parse(l) as StreamedEvent;
      } catch {
        throw new Error(`"${this.command}" printed a line that is not JSON: ${l}`);
      }
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
    await this.exited;
  }
}
