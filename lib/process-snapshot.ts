// The vocabulary shared by the harness, which records process trees, and the report, which draws
// them: the roles scenarios talk about, and the snapshot a step attaches to its scenario.

/** The processes that scenarios talk about, named after Docker's own binaries. */
export type Role = 'dockerd' | 'containerd' | 'containerd-shim' | 'runc' | 'docker-init' | 'docker-proxy';
export const ROLES: Role[] = ['dockerd', 'containerd', 'containerd-shim', 'runc', 'docker-init', 'docker-proxy'];

/** A process as the report draws it: the kernel's view plus the role it plays. */
export interface SnapshotProcess {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: string;
  name: string;
  argv: string[];
  /** NSpid from /proc/<pid>/status: the host pid first, the innermost namespace's pid last */
  nspid: number[];
  role?: Role;
  listens: string[];
}

export interface ProcessSnapshot {
  label: string;
  target: string;
  daemonPid: number;
  processes: SnapshotProcess[];
}

export const SNAPSHOT_MEDIA_TYPE = 'application/vnd.dockspec.process-tree+json';
