// The container's record under `--root`: <root>/<id>/state.json (written atomically) and
// <root>/<id>/exec.fifo, whose existence means "created, not started", as with runc.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OciCapabilities, OciHook } from './spec.js';
import { OCI_VERSION } from './spec.js';
import { errors } from './errors.js';
import { isAlive, readStat } from '../../lib/proc.js';
import { isFrozen as cgroupFrozen } from './cgroups.js';

export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** What ref-runc keeps about a container between its invocations. */
export interface ContainerRecord {
  id: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat when created: tells our process from a later one with the same pid. */
  startTime: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
  /** Host cgroup directories, by hierarchy name (memory, cpu, name=systemd dir "systemd", …). */
  cgroupPaths: Record<string, string>;
  /** Namespace types the container's processes live in, for `exec` to join. */
  namespaces: string[];
  capabilities?: OciCapabilities;
  /** The compiled seccomp filter, applied to exec'd processes too, as runc does. */
  seccomp?: string;
  poststart?: OciHook[];
  poststop?: OciHook[];
}

/** The JSON that `runc state` prints; containerd's go-runc parses these fields. */
export interface OciState {
  ociVersion: string;
  id: string;
  pid: number;
  status: ContainerStatus;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

const ID_PATTERN = /^[\w+.-]+$/;

export class StateStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    if (!ID_PATTERN.test(id) || id === '.' || id === '..') throw errors.invalidId(id);
    return join(this.root, id);
  }

  fifo(id: string): string {
    return join(this.dir(id), 'exec.fifo');
  }

  exists(id: string): boolean {
    return existsSync(join(this.dir(id), 'state.json'));
  }

  /** Makes the container's directory; fails if one exists, so two creates cannot share an id. */
  reserve(id: string): string {
    const dir = this.dir(id);
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    try {
      mkdirSync(dir, { mode: 0o711 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw errors.exists();
      throw err;
    }
    return dir;
  }

  load(id: string): ContainerRecord {
    try {
      return JSON.parse(readFileSync(join(this.dir(id), 'state.json'), 'utf8')) as ContainerRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw errors.notExist();
      throw err;
    }
  }

  save(record: ContainerRecord): void {
    const file = join(this.dir(record.id), 'state.json');
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, file);
  }

  /**
   * A plain-text note for the native front door (ref-runc.c), which answers `start` and the
   * delete of a stopped container without booting Node. Left out when those commands have more
   * to do than bookkeeping: hooks to run, or processes that outlive the init (no pid namespace).
   */
  saveFastpathNote(record: ContainerRecord): void {
    if (record.poststart?.length || record.poststop?.length || !record.namespaces.includes('pid')) return;
    const lines = [`init ${record.pid} ${record.startTime}`, ...Object.values(record.cgroupPaths).map((dir) => `cgroup ${dir}`)];
    const file = join(this.dir(record.id), 'fastpath');
    writeFileSync(`${file}.tmp`, `${lines.join('\n')}\n`);
    renameSync(`${file}.tmp`, file);
  }

  remove(id: string): void {
    rmSync(this.dir(id), { recursive: true, force: true });
  }

  ids(): string[] {
    try {
      return readdirSync(this.root).filter((name) => existsSync(join(this.root, name, 'state.json')));
    } catch {
      return [];
    }
  }

  status(record: ContainerRecord): ContainerStatus {
    if (!processMatches(record.pid, record.startTime)) return 'stopped';
    if (existsSync(this.fifo(record.id))) return 'created';
    if (cgroupFrozen(record.cgroupPaths)) return 'paused';
    return 'running';
  }

  ociState(record: ContainerRecord): OciState {
    const status = this.status(record);
    const state: OciState = {
      ociVersion: OCI_VERSION,
      id: record.id,
      // runc reports pid 0 once the container has stopped.
      pid: status === 'stopped' ? 0 : record.pid,
      status,
      bundle: record.bundle,
      rootfs: record.rootfs,
      created: record.created,
      owner: record.owner,
    };
    if (record.annotations && Object.keys(record.annotations).length > 0) state.annotations = record.annotations;
    return state;
  }
}

/** State letter and start time (clock ticks after boot) of a process, or undefined once it is gone. */
export function readProcStat(pid: number): { state: string; startTime: string } | undefined {
  const stat = readStat(pid);
  return stat && { state: stat.state, startTime: String(stat.startTime) };
}

/** Alive and the same process: a zombie counts as stopped, as in runc. */
export function processMatches(pid: number, startTime: string): boolean {
  return pid > 0 && startTime !== '' && isAlive(pid, Number(startTime));
}

