// Engines under benchmark, started through the harness's target adapters so that they are exactly
// the engines the suite runs against (own data root, exec root, bridge, subnet). Every engine
// started here is in `live` until cleaned up, so an interrupt can sweep them all.
import { spawn } from 'node:child_process';
import { getTarget } from '../harness/targets/index.js';
import { ManagedEngine } from '../harness/targets/managed-engine.js';
import { imageTarball, TEST_IMAGE } from '../harness/test-image.js';
import { waitForPing } from '../harness/targets/ping.js';

export { TEST_IMAGE };

const live = new Set<ManagedEngine>();

export interface CliResult {
  stdout: string;
  stderr: string;
  ms: number;
}

/** First non-empty line of an error, for a table cell. */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').map((l) => l.trim()).find(Boolean) ?? 'unknown error';
}

/**
 * Runs the real docker CLI against an engine and times it from spawn to exit, as a person at a
 * shell would see it. Spawned directly (no shell) so the measurement holds only the CLI and the
 * engine. A non-zero exit throws with the CLI's own error text.
 */
export function docker(dockerHost: string, args: string[], opts: { timeoutMs?: number; input?: Buffer | string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('docker', args, {
      env: { ...process.env, DOCKER_HOST: dockerHost, DOCKER_CLI_HINTS: 'false' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    // A reference engine still being written may hang a request; the bench must move on.
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout, stderr, ms });
      else {
        const why = signal === 'SIGKILL' ? `timed out after ${opts.timeoutMs ?? 60000} ms` : stderr.trim() || stdout.trim() || `exit ${code}`;
        reject(new Error(`docker ${args[0]}: ${why}`));
      }
    });
    child.stdin.on('error', () => {
      // the CLI may exit before reading its input
    });
    child.stdin.end(opts.input ?? '');
  });
}

export class BenchEngine {
  private constructor(
    readonly target: string,
    readonly engine: ManagedEngine,
  ) {}

  get host(): string {
    return this.engine.dockerHost;
  }

  /** Role → process name on this target (dockerd → ref-dockerd, …). */
  roleName(role: 'dockerd' | 'containerd' | 'containerd-shim' | 'docker-proxy'): string {
    return getTarget(this.target).info.roleNames[role];
  }

  /** A fresh engine of the target, not started yet (registered for cleanup already). */
  static create(target: string): BenchEngine {
    const engine = getTarget(target).newEngine();
    live.add(engine);
    return new BenchEngine(target, engine);
  }

  /** Start an engine, wait for /_ping and import the test image. */
  static async startWithImage(target: string): Promise<BenchEngine> {
    const e = BenchEngine.create(target);
    try {
      await e.engine.start();
      await e.docker(['import', imageTarball(), TEST_IMAGE], { timeoutMs: 120000 });
      return e;
    } catch (err) {
      await e.dispose();
      throw err;
    }
  }

  docker(args: string[], opts?: { timeoutMs?: number; input?: Buffer | string }): Promise<CliResult> {
    return docker(this.host, args, opts);
  }

  /**
   * Starts the daemon and returns the milliseconds from spawn until /_ping answers. The harness's
   * wait (waitForPing) polls every 50 ms by default, too coarse against Docker's sub-second start,
   * so this asks it to poll every 5 ms. The bridge is created beforehand: it is the harness's setup, not the daemon's start.
   */
  async timedStart(deadlineMs = 30000): Promise<number> {
    // ensureBridge is private to the harness; calling it here keeps `ip link` out of the timing.
    (this.engine as unknown as { ensureBridge(): void }).ensureBridge();
    const t0 = process.hrtime.bigint();
    await this.engine.start({ noWait: true });
    try {
      await waitForPing(this.host, deadlineMs, () => this.engine.running, 5);
    } catch (err) {
      throw new Error(`${(err as Error).message}: ${lastLogLine(this.engine)}`);
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  /** Graceful stop, then the harness's sweep (processes by pid, mounts, bridge, claims). */
  async dispose(): Promise<void> {
    try {
      await this.engine.stop(10000);
    } catch {
      // the sweep below kills what did not stop
    } finally {
      await this.engine.cleanup();
      live.delete(this.engine);
    }
  }
}

/** The line that says why: a crashed Node.js daemon ends its log with "Node.js v20…", not the error. */
function lastLogLine(engine: ManagedEngine): string {
  const lines = engine.logTail(30).split('\n').filter(Boolean);
  return [...lines].reverse().find((l) => /error|fatal|panic/i.test(l)) ?? lines.pop() ?? '(empty log)';
}

/** Sweep every engine this process started and has not cleaned up yet (used on interrupt). */
export async function sweepAll(): Promise<void> {
  await Promise.all([...live].map((e) => e.cleanup().catch(() => [])));
  live.clear();
}
