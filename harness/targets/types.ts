// What a scenario may ask of an engine under test. Everything that differs between engines
// (binary names, how a daemon starts) lives behind this interface, so steps never branch on a
// target's name (docs/design.md principle 3).

import type { Role } from '../../lib/process-snapshot.js';
export { ROLES } from '../../lib/process-snapshot.js';
export type { Role };

export interface EngineOptions {
  /** -H values; default: one unix socket in the engine's own directory. Placeholders already resolved. */
  hosts?: string[];
  /** extra daemon flags, e.g. ['--live-restore'] or ['--init'] */
  flags?: string[];
  /** command put in front of the daemon, e.g. ['systemd-socket-activate', '-l', '/path.sock'] */
  launcher?: string[];
  /** the address to use for DOCKER_HOST and the readiness check, when not the first -H */
  clientHost?: string;
  /** do not wait for /_ping (for daemons that are expected to fail to start) */
  noWait?: boolean;
}

export interface TargetInfo {
  name: string;
  /** managed: the harness starts its own daemons; attached: an existing engine from DOCKER_HOST */
  mode: 'managed' | 'attached';
  /** process names that play each role on this target */
  roleNames: Record<Role, string>;
  /** binary of the role, as the target would pass it to a daemon flag (e.g. --init-path, --add-runtime) */
  binaryPath(role: Role): string;
  /**
   * How to run this target's containerd as a daemon of its own, for `dockerd --containerd <address>`:
   * everything it keeps (socket, state, root, config) lives inside `dir`, so that it stays isolated
   * from any other containerd on the machine and the engine's sweep finds it. Writes the files it
   * needs into `dir` (which must exist) and returns the command line and the socket it will serve.
   */
  externalContainerd(dir: string): { argv: string[]; address: string };
  /**
   * The cucumber tag expression `dockspec run` uses when no --tags is given: a variant that swaps
   * one component runs only the areas that exercise it. Undefined: every scenario.
   */
  defaultTags?: string;
}
