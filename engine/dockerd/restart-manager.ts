// Restart policies, decided as dockerd's restartmanager decides them: after each exit the policy
// (no, always, unless-stopped, on-failure[:N]) says whether to start the container again, and a
// backoff says when: 100 ms, doubled after each restart up to a minute, back to 100 ms once a run
// lasted 10 s. A stop or kill by the user cancels the pending restart; a start by the user begins
// a fresh manager (its count back to 0).
import { faultEnabled } from '../../lib/faults.js';

export interface RestartPolicy {
  Name: string;
  MaximumRetryCount: number;
}

const DEFAULT_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 60_000;
const BACKOFF = 2;
/** a run at least this long resets the backoff */
const RESET_AFTER_MS = 10_000;

/** Fault switch (lib/faults.ts): every policy behaves as "no". */
export const FAULT_RESTART_POLICY_IGNORED = 'restart-policy-ignored';

export const isNone = (p: RestartPolicy | undefined) => !p || p.Name === '' || p.Name === 'no';

/**
 * Whether a policy restarts after an exit, leaving the backoff aside: the rule dockerd also applies
 * when it starts and finds containers that stopped while it was away. `retries` is how many times
 * this manager restarted the container already (on-failure's budget).
 */
export function policyRestarts(p: RestartPolicy | undefined, exitCode: number, manuallyStopped: boolean, retries: number): boolean {
  if (isNone(p) || faultEnabled(FAULT_RESTART_POLICY_IGNORED)) return false;
  switch (p!.Name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !manuallyStopped;
    case 'on-failure':
      // MaximumRetryCount 0: no limit
      return exitCode !== 0 && (p!.MaximumRetryCount === 0 || retries < p!.MaximumRetryCount);
    default:
      return false;
  }
}

/** One container's manager: its backoff and its pending restart. */
export class RestartManager {
  private timeoutMs = 0;
  private retries = 0;
  private cancelled = false;
  private pending?: { timer: NodeJS.Timeout; cancel: () => void };

  constructor(private readonly policy: RestartPolicy | undefined) {}

  /**
   * After an exit: the delay before the container starts again, or undefined when it stays stopped.
   * `ranMs` is how long this run lasted.
   */
  shouldRestart(exitCode: number, manuallyStopped: boolean, ranMs: number): number | undefined {
    if (isNone(this.policy) || this.cancelled || this.pending) return undefined;
    if (ranMs >= RESET_AFTER_MS) this.timeoutMs = 0;
    this.timeoutMs = this.timeoutMs === 0 ? DEFAULT_TIMEOUT_MS : Math.min(this.timeoutMs * BACKOFF, MAX_TIMEOUT_MS);
    if (!policyRestarts(this.policy, exitCode, manuallyStopped, this.retries)) return undefined;
    this.retries++;
    return this.timeoutMs;
  }

  /** Run `start` after `delayMs` unless cancelled first; `onCancel` runs instead when it is. */
  schedule(delayMs: number, start: () => void, onCancel: () => void): void {
    const timer = setTimeout(() => {
      this.pending = undefined;
      start();
    }, delayMs);
    this.pending = { timer, cancel: onCancel };
  }

  /** No more restarts (stop, kill, remove); true when a scheduled restart was called off. */
  cancel(): boolean {
    this.cancelled = true;
    const p = this.pending;
    if (!p) return false;
    clearTimeout(p.timer);
    this.pending = undefined;
    p.cancel();
    return true;
  }

  get waiting(): boolean {
    return Boolean(this.pending);
  }
}

/** The managers of all containers, made on first use from the container's policy. */
export class RestartManagers {
  private readonly byId = new Map<string, RestartManager>();

  of(id: string, policy: RestartPolicy | undefined): RestartManager {
    let m = this.byId.get(id);
    if (!m) this.byId.set(id, (m = new RestartManager(policy)));
    return m;
  }

  /** A fresh manager next time (a start by the user, a removal); a pending restart is called off. */
  reset(id: string): void {
    this.byId.get(id)?.cancel();
    this.byId.delete(id);
  }

  waiting(id: string): boolean {
    return this.byId.get(id)?.waiting ?? false;
  }

  /** Cancel the container's restarts; true when one was pending. */
  cancel(id: string): boolean {
    return this.byId.get(id)?.cancel() ?? false;
  }
}

/** What the restart policy needs of the daemon. */
export interface RestartHost {
  /** start the container as its restart manager does (count and manual-stop flag kept) */
  restart(id: string): Promise<void>;
  /** the pending restart was called off, or the start failed: the container is stopped */
  stopped(id: string): void;
}

/** The policy side of an exit, a stop and a daemon start, for ref-dockerd's lifecycle. */
export class RestartPolicies {
  private readonly managers = new RestartManagers();

  constructor(private readonly host: RestartHost) {}

  /** After an exit: the delay before the restart, or undefined (dockerd: daemon.handleContainerExit). */
  afterExit(id: string, policy: RestartPolicy | undefined, exitCode: number, manuallyStopped: boolean, ranMs: number): number | undefined {
    return this.managers.of(id, policy).shouldRestart(exitCode, manuallyStopped, ranMs);
  }

  /** Start again after the delay that afterExit gave. */
  schedule(id: string, policy: RestartPolicy | undefined, delayMs: number): void {
    this.managers.of(id, policy).schedule(
      delayMs,
      () => void this.host.restart(id).catch(() => this.host.stopped(id)),
      () => this.host.stopped(id),
    );
  }

  /** A stop or kill by the user: no restart after this exit (dockerd: ExitOnNext); true if one was pending. */
  cancel(id: string): boolean {
    return this.managers.cancel(id);
  }

  /** A start by the user or a removal: the next run gets a fresh manager. */
  reset(id: string): void {
    this.managers.reset(id);
  }

  waiting(id: string): boolean {
    return this.managers.waiting(id);
  }
}
