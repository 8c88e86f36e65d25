// A terminal for the docker CLI, as a person at a keyboard gives it one. `docker run -it` refuses a
// stdin that is not a terminal ("the input device is not a TTY"), so the command runs under
// util-linux `script`, which makes a pty, runs the command on its slave side and copies our pipes
// to and from the master: what we write is typed, what we read is the screen.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { scaled } from '../../lib/time-scale.js';
import { pollUntil } from '../../lib/poll.js';

/** What the screen showed, without carriage returns and terminal escape sequences. */
export function screenText(raw: string): string {
  return raw
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[()][0-9A-Za-z]/g, '')
    .replace(/\r/g, '');
}

export class TerminalSession {
  private readonly child: ChildProcess;
  private raw = '';
  readonly started = Date.now();
  /** the command's exit code (script -e passes it on), once it has ended */
  exitCode?: number;
  readonly ended: Promise<number>;

  constructor(
    readonly command: string,
    env: NodeJS.ProcessEnv,
  ) {
    // -q no banner, -f flush at once, -e the command's exit code, /dev/null: no typescript file.
    // Its own process group, so that an interrupted scenario ends script, docker and all.
    this.child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, ...env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child.stdout!.on('data', (b: Buffer) => (this.raw += b.toString('utf8')));
    this.child.stderr!.on('data', (b: Buffer) => (this.raw += b.toString('utf8')));
    this.child.stdin!.on('error', () => undefined);
    this.ended = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitCode = code ?? 128 + ((signal && (constants.signals as Record<string, number>)[signal]) || 0);
        resolve(this.exitCode);
      });
      this.child.on('error', () => {
        this.exitCode = -1;
        resolve(-1);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The screen so far. */
  get screen(): string {
    return screenText(this.raw);
  }

  /** Type a line and press Enter (a terminal sends CR; the container's line discipline makes it NL). */
  typeLine(text: string): void {
    this.child.stdin!.write(`${text}\r`);
  }

  /** Resolves once the screen shows `text`; rejects with the screen after the deadline. */
  async waitFor(text: string, ms: number): Promise<void> {
    const shown = () => {
      if (this.screen.includes(text)) return true;
      if (this.exitCode !== undefined) {
        throw new Error(`the terminal's command "${this.command}" ended (exit ${this.exitCode}) without showing "${text}"; it showed:\n${this.screen}`);
      }
      return false;
    };
    if (!(await pollUntil(shown, { timeoutMs: scaled(ms), intervalMs: 50 }))) {
      throw new Error(`the terminal running "${this.command}" did not show "${text}" within ${ms} ms; it shows:\n${this.screen}`);
    }
  }

  /** Resolves with the exit code once the command ends by itself; kills it after the deadline. */
  async finish(ms: number): Promise<{ exitCode: number; timedOut: boolean }> {
    const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), scaled(ms)).unref());
    const r = await Promise.race([this.ended, timer]);
    if (r !== 'late') return { exitCode: r, timedOut: false };
    await this.close();
    return { exitCode: this.exitCode ?? -1, timedOut: true };
  }

  /** End script and the client under it (their process group), and wait for it. */
  async close(): Promise<void> {
    if (this.exitCode !== undefined) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.ended;
  }
}
