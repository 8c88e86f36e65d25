// What a report column needs to say about a run that the cucumber message stream does not carry:
// which target, which engine version, on which host, when. `dockspec run` writes it as run.json
// beside messages.ndjson; `dockspec report` reads it back, so message files from other machines,
// other Docker versions and CI shards can be put side by side.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { docker26Version } from '../harness/targets/docker26.js';

export interface RunInfo {
  target: string;
  /** where the engine ran: DOCKSPEC_HOST, else the remote host of DOCKER_HOST, else this machine */
  host: string;
  /** e.g. "Docker version 20.10.24+dfsg1, build 5d6db84", or ref-dockerd's version */
  engineVersion: string;
  /** managed: the harness started its own daemons; attached: DOCKER_HOST's engine */
  mode: 'managed' | 'attached';
  dockerHost?: string;
  startedAt: string;
  finishedAt?: string;
  shard?: string;
  tags?: string;
  kernel: string;
  /** the cgroup layout of the engine's host (cgroupLayout); unknown for an attached remote engine */
  cgroup?: string;
  /** the dockspec commit that ran, so that columns from different checkouts can be told apart */
  dockspecCommit?: string;
}

export const RUN_INFO_FILE = 'run.json';

/**
 * How a skip reason begins when the scenario was skipped because the engine is attached, not the
 * harness's to start, stop or restart: the report lists those scenarios in the attached column.
 */
export const NOT_CONTROLLED = "the engine is not the harness's to control";

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** "v2" (unified only), "v1 (hybrid)" (v1 controllers beside a v2 tree) or "v1", from the file system types. */
export function cgroupLayout(root = '/sys/fs/cgroup'): string | undefined {
  try {
    if (statfsSync(root).type === CGROUP2_SUPER_MAGIC) return 'v2';
    try {
      if (statfsSync(join(root, 'unified')).type === CGROUP2_SUPER_MAGIC) return 'v1 (hybrid)';
    } catch {
      // no unified tree beside the v1 ones
    }
    return 'v1';
  } catch {
    return undefined;
  }
}

function quiet(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    // A version query must never hold up a run: a hung ssh or daemon gets 10 s.
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'ignore'], env }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The host a DOCKER_HOST points at, when it is not this machine (ssh://user@host:22, tcp://host:2376). */
export function remoteHostOf(dockerHost: string | undefined): string | undefined {
  if (!dockerHost || dockerHost.startsWith('unix://') || dockerHost.startsWith('fd://')) return undefined;
  try {
    const h = new URL(dockerHost).hostname;
    return h && h !== 'localhost' && h !== '127.0.0.1' && h !== '[::1]' ? h : undefined;
  } catch {
    return undefined;
  }
}

function packageVersion(projectRoot: string): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function commitOf(projectRoot: string): string | undefined {
  return quiet('git', ['-C', projectRoot, 'rev-parse', '--short', 'HEAD']);
}

export function collectRunInfo(target: string, projectRoot: string, opts: { shard?: string; tags?: string } = {}): RunInfo {
  const dockerHost = process.env.DOCKER_HOST;
  const base = target.split('+')[0];
  const attached = base === 'docker' && Boolean(dockerHost);
  let engineVersion: string | undefined;
  if (base === 'reference') {
    const bin = join(projectRoot, 'dist', 'bin', 'ref-dockerd.js');
    engineVersion = existsSync(bin) ? quiet(process.execPath, [bin, '--version']) : undefined;
    // ref-dockerd may not answer --version (yet): the dockspec version and commit identify it too.
    engineVersion ??= `ref-dockerd (dockspec ${packageVersion(projectRoot)}${commitOf(projectRoot) ? ` ${commitOf(projectRoot)}` : ''})`;
  } else if (attached) {
    // The daemon at the other end, not the local binary: that is the engine under test.
    const v = quiet('docker', ['version', '--format', '{{.Server.Version}}']);
    engineVersion = v ? `Docker Engine ${v}` : 'Docker Engine (version not reachable)';
  } else if (base === 'docker26') {
    engineVersion = docker26Version() ?? 'Docker Engine 26 (bundle not fetched)';
  } else {
    engineVersion = quiet('dockerd', ['--version']) ?? 'dockerd (version unknown)';
  }
  return {
    target,
    host: process.env.DOCKSPEC_HOST || (attached ? remoteHostOf(dockerHost) : undefined) || hostname(),
    engineVersion,
    mode: attached ? 'attached' : 'managed',
    dockerHost: attached ? dockerHost : undefined,
    startedAt: new Date().toISOString(),
    shard: opts.shard,
    tags: opts.tags,
    kernel: release(),
    cgroup: attached ? undefined : cgroupLayout(),
    dockspecCommit: commitOf(projectRoot),
  };
}

export function writeRunInfo(dir: string, info: RunInfo): void {
  writeFileSync(join(dir, RUN_INFO_FILE), JSON.stringify(info, null, 2) + '\n');
}

/**
 * The run.json beside a message file, or what can be guessed without it: the target from the
 * directory name (reports/out/<target>/messages.ndjson) or from the process-tree snapshots.
 */
export function readRunInfo(messagesFile: string, guessedTarget?: string): RunInfo {
  const file = join(dirname(messagesFile), RUN_INFO_FILE);
  if (existsSync(file)) {
    const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunInfo>;
    if (info.target) return { host: 'unknown host', engineVersion: 'unknown engine', mode: 'managed', startedAt: '', kernel: '', ...info } as RunInfo;
  }
  const dirName = basename(dirname(messagesFile));
  const target = /^(reference|docker|docker26)(\+[a-z0-9-]+)?$/.test(dirName) ? dirName : (guessedTarget ?? 'unknown');
  return { target, host: 'unknown host', engineVersion: 'unknown engine', mode: 'managed', startedAt: '', kernel: '' };
}
