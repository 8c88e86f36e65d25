// Clients waiting on a container's state (POST /containers/{id}/wait, and the daemon itself while
// it stops a container), released when the exit or the removal is recorded.
import type { Container } from '../container-store.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';
export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}


export class Waiters {
  private byId = new Map<string, Array<{ cond: WaitCondition; resolve: (r: WaitResult) => void }>>();

  /** `starting`: a start is under way, so "not-running" waits for the run that follows. */
  wait(c: Container, cond: WaitCondition, starting: boolean): Promise<WaitResult> {
    const s = c.rec.State;
    if (cond === 'not-running' && !s.Running && !starting) {
      return Promise.resolve({ StatusCode: s.ExitCode, Error: s.Error ? { Message: s.Error } : null });
    }
    return new Promise((resolve) => this.add(c.rec.ID, cond, resolve));
  }

  /** Resolves when the current run has been recorded as exited (false after `ms`; -1: no limit). */
  exited(c: Container, ms: number): Promise<boolean> {
    if (!c.rec.State.Running) return Promise.resolve(true);
    const exited = new Promise<boolean>((resolve) => this.add(c.rec.ID, 'next-exit', () => resolve(true)));
    if (ms < 0) return exited;
    return Promise.race([exited, sleep(ms).then(() => false)]);
  }

  notify(id: string, conds: WaitCondition[], code: number, error = ''): void {
    const list = this.byId.get(id) ?? [];
    const keep = list.filter((w) => {
      if (!conds.includes(w.cond)) return true;
      w.resolve({ StatusCode: code, Error: error ? { Message: error } : null });
      return false;
    });
    this.byId.set(id, keep);
  }

  forget(id: string): void {
    this.byId.delete(id);
  }

  private add(id: string, cond: WaitCondition, resolve: (r: WaitResult) => void): void {
    const list = this.byId.get(id) ?? [];
    list.push({ cond, resolve });
    this.byId.set(id, list);
  }
}
