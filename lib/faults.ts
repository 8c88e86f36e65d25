// Fault switches of the reference engine (docs/design.md principle 4: every scenario can fail). This is
// the one list of them: each names the area of the specification it breaks, what it breaks, and
// which component honours it. A component tests its switch with faultEnabled(name) at exactly one
// guarded branch that cites this file; `dockspec mutate` runs the areas' scenarios with each switch
// on to prove that some scenario notices. Every switch is off unless DOCKSPEC_FAULTS names it.
//
// DOCKSPEC_FAULTS is a comma-separated list of names. The daemons inherit it down the tree
// (ref-dockerd → ref-containerd → shims → ref-runc). ref-docker-init runs inside containers
// without that environment, so its faults are separate static builds (see INIT_FAULT_DIR).

export const FAULTS_ENV = 'DOCKSPEC_FAULTS';

export type Area = 'transports' | 'init' | 'proxy' | 'daemons' | 'shim' | 'runtime' | 'isolation' | 'events' | 'restart';

export interface FaultSpec {
  readonly name: string;
  /** the feature areas (cucumber tags without "@") whose scenarios should notice */
  readonly areas: readonly Area[];
  /** what goes wrong, in one line */
  readonly breaks: string;
  /** the component that honours the switch, and where */
  readonly component: string;
}

export const FAULTS = [
  {
    name: 'socket-wrong-mode',
    areas: ['transports'],
    breaks: 'the API unix socket is created 0666 (anyone may use it) instead of 0660 root:docker',
    component: 'ref-dockerd (engine/dockerd/listeners.ts)',
  },
  {
    name: 'no-fd-listener',
    areas: ['transports'],
    breaks: '-H fd:// is refused as an unknown protocol, so socket activation does not work',
    component: 'ref-dockerd (engine/dockerd/listeners.ts)',
  },
  {
    name: 'init-no-reap',
    areas: ['init'],
    breaks: 'the init waits only for its own child, so orphans re-parented to it stay zombies',
    component: 'ref-docker-init (runtime/init/ref-docker-init.c, FAULT_INIT_NO_REAP build)',
  },
  {
    name: 'init-no-signal-forward',
    areas: ['init'],
    breaks: 'the init swallows the signals it receives instead of forwarding them to the command',
    component: 'ref-docker-init (runtime/init/ref-docker-init.c, FAULT_INIT_NO_SIGNAL_FORWARD build)',
  },
  {
    name: 'wrong-exit-code',
    areas: ['init'],
    breaks: "the container's exit code is reported one too high",
    component: 'ref-containerd-shim (runtime/shim/shim-task.ts)',
  },
  {
    name: 'proxy-not-started',
    areas: ['proxy'],
    breaks: 'a published port is only reserved: no proxy process is started for -p',
    component: 'ref-dockerd (engine/dockerd/network/controller.ts)',
  },
  {
    name: 'no-port-conflict-check',
    areas: ['proxy'],
    breaks: 'the port allocator hands out a host port that another container already has',
    component: 'ref-dockerd (engine/dockerd/network/port-allocator.ts)',
  },
  {
    name: 'containerd-not-restarted',
    areas: ['daemons'],
    breaks: 'a managed containerd that dies is not started again',
    component: 'ref-dockerd (engine/dockerd/containerd-supervisor.ts)',
  },
  {
    name: 'events-not-forwarded',
    areas: ['daemons'],
    breaks: "ref-containerd drops task exit events instead of passing them to its subscribers (dockerd, ctr events)",
    component: 'ref-containerd (engine/containerd/event-exchange.ts)',
  },
  {
    name: 'task-list-ignores-namespace',
    areas: ['daemons'],
    breaks: 'Tasks/List answers with the tasks of the namespace "default" whatever namespace the call names, so ctr -n moby tasks ls does not list the engine\'s containers',
    component: 'ref-containerd (engine/containerd/services.ts)',
  },
  {
    name: 'shims-not-reconnected',
    areas: ['daemons'],
    breaks: 'a restarted ref-containerd treats every live shim as dead and cleans up after it (its delete action kills the container) instead of reconnecting',
    component: 'ref-containerd (engine/containerd/shim-load.ts)',
  },
  {
    name: 'pidfile-not-locked',
    areas: ['daemons'],
    breaks: "a second daemon overwrites a live daemon's pid file instead of refusing to start",
    component: 'ref-dockerd (engine/dockerd/pidfile.ts)',
  },
  {
    name: 'shim-not-subreaper',
    areas: ['shim'],
    breaks: "the shim is not a child subreaper, so the container's PID 1 is re-parented past it",
    component: 'ref-containerd-shim (runtime/shim/shim-serve.ts)',
  },
  {
    name: 'shim-ttrpc-exit-event-dropped',
    areas: ['init'],
    breaks: 'the shim forwards no /tasks/exit over ttrpc Events.Forward, so the engine never learns a container exited',
    component: 'ref-containerd-shim (runtime/shim/task-events.ts)',
  },
  {
    name: 'shim-oom-event-dropped',
    areas: ['shim'],
    breaks: 'the shim sees the OOM kill but forwards no /tasks/oom, so the engine reports OOMKilled false and no oom event',
    component: 'ref-containerd-shim (runtime/shim/task-events.ts)',
  },
  {
    name: 'shim-dies-with-daemon',
    areas: ['shim'],
    breaks: 'the shim kills its container and exits when containerd goes away',
    component: 'ref-containerd-shim (runtime/shim/shim-serve.ts)',
  },
  {
    name: 'stdio-dropped-during-outage',
    areas: ['shim'],
    breaks: 'a restarted daemon throws away the output the container wrote while the daemons were down',
    component: 'ref-dockerd (engine/dockerd/fifo.ts)',
  },
  {
    name: 'no-live-restore',
    areas: ['shim'],
    breaks: '--live-restore is ignored: a restarted engine stops the containers that survived',
    component: 'ref-dockerd (engine/dockerd/daemon-config.ts)',
  },
  {
    name: 'pty-not-held-by-shim',
    areas: ['shim'],
    breaks: "the shim lets go of the pty master the runtime sent it, so a -t container's terminal is hung up",
    component: 'ref-containerd-shim (runtime/shim/console.ts)',
  },
  {
    name: 'pause-not-frozen',
    areas: ['runtime'],
    breaks: "docker pause records the container as paused without asking containerd to freeze its cgroup",
    component: 'ref-dockerd (engine/dockerd/pause.ts)',
  },
  {
    name: 'runtime-stays-running',
    areas: ['runtime'],
    breaks: 'ref-runc start leaves a runtime process behind while the container runs',
    component: 'ref-runc (runtime/runc/commands/start.ts)',
  },
  {
    name: 'default-runtime-ignored',
    areas: ['runtime'],
    breaks: '--default-runtime is ignored and containers without --runtime use runc',
    component: 'ref-dockerd (engine/dockerd/daemon-config.ts)',
  },
  {
    name: 'hostname-not-set',
    areas: ['isolation'],
    breaks: 'the OCI spec gets no hostname, so --hostname and the short-id default are lost',
    component: 'ref-dockerd (engine/dockerd/bundle.ts)',
  },
  {
    name: 'no-pid-namespace',
    areas: ['isolation'],
    breaks: 'containers share the pid namespace of the host',
    component: 'ref-dockerd (engine/dockerd/bundle.ts)',
  },
  {
    name: 'no-memory-limit',
    areas: ['isolation'],
    breaks: '--memory is not written to the cgroup',
    component: 'ref-dockerd (engine/dockerd/bundle.ts)',
  },
  {
    name: 'stats-memory-pids-dropped',
    areas: ['isolation'],
    breaks: "docker stats leaves out the memory and pids parts of containerd's Metrics (MEM USAGE 0B / 0B, PIDS 0)",
    component: 'ref-dockerd (engine/dockerd/stats.ts)',
  },
  {
    name: 'die-event-without-exit-code',
    areas: ['events'],
    breaks: "the engine's die event lacks the exitCode attribute",
    component: 'ref-dockerd (engine/dockerd/events.ts)',
  },
  {
    name: 'restart-policy-ignored',
    areas: ['restart'],
    breaks: 'every restart policy behaves as "no": nothing is started again after an exit or at daemon start',
    component: 'ref-dockerd (engine/dockerd/restart-manager.ts)',
  },
] as const satisfies readonly FaultSpec[];

export type FaultName = (typeof FAULTS)[number]['name'];

const KNOWN: ReadonlySet<string> = new Set(FAULTS.map((f) => f.name));

/** Where `scripts/build-native.mjs` puts the init's fault builds, relative to dist/native/. */
export const INIT_FAULT_DIR = 'faults';

export class UnknownFaultError extends Error {
  constructor(readonly unknown: string[]) {
    super(
      `${FAULTS_ENV} names unknown fault${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; ` +
        `known faults: ${[...KNOWN].join(', ')}`,
    );
  }
}

/** The names in a DOCKSPEC_FAULTS value; throws UnknownFaultError for a name not in FAULTS. */
export function parseFaults(value: string | undefined): FaultName[] {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !KNOWN.has(n));
  if (unknown.length) throw new UnknownFaultError(unknown);
  return [...new Set(names)] as FaultName[];
}

/**
 * Is this switch on? Read on every call (it is cheap) so that tests can set the variable. An
 * unknown name elsewhere in the list does not switch anything on: daemons refuse such a list at
 * start (checkFaultsAtStart), and a component deep in the tree must not die of it mid-container.
 */
export function faultEnabled(name: FaultName, env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[FAULTS_ENV];
  if (!value) return false;
  return value.split(',').some((s) => s.trim() === name);
}

/**
 * For a daemon's entry point: an unknown name is a typo that would make a mutation run pass for
 * the wrong reason, so the daemon stops with a message that lists the known names. Returns the
 * switches that are on, for the daemon to log.
 */
export function checkFaultsAtStart(program: string, env: NodeJS.ProcessEnv = process.env): FaultName[] {
  try {
    return parseFaults(env[FAULTS_ENV]);
  } catch (err) {
    process.stderr.write(`${program}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

/** checkFaultsAtStart, and a line on stderr (the daemon's log) naming the switches that are on. */
export function announceFaults(program: string): void {
  const on = checkFaultsAtStart(program);
  if (on.length) process.stderr.write(`${program}: fault switches on (lib/faults.ts): ${on.join(', ')}\n`);
}

export function faultSpec(name: string): FaultSpec | undefined {
  return FAULTS.find((f) => f.name === name);
}

/** The cucumber tag expression that selects the scenarios of a fault's areas. */
export function faultTags(f: FaultSpec): string {
  return f.areas.map((a) => `@${a}`).join(' or ');
}

/** The init faults are compiled in: FAULT_INIT_NO_REAP for init-no-reap. */
export function initFaultMacro(name: string): string {
  return `FAULT_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** The file name of an init built with a fault, under dist/native/<INIT_FAULT_DIR>/. */
export function initFaultBinary(name: string): string {
  return `ref-docker-init.${name}`;
}
