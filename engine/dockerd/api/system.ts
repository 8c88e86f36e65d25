// /_ping, /version, /info: the calls every CLI command starts with. Field sets follow
// dockerd 20.10.24's answers (captured with curl), with ref-* values where the engine differs.
import os from 'node:os';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import type { Router } from './router.js';
import type { Daemon } from '../daemon.js';
import { API_VERSION, ENGINE_VERSION, GIT_COMMIT, MIN_API_VERSION } from '../version.js';
import { cgroupDirsOf, cgroupVersion } from '../../../lib/cgroup-dirs.js';

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 3000 }, (err, stdout) => resolve(err ? '' : String(stdout)));
  });
}

const versions = new Map<string, Promise<{ version: string; commit: string }>>();

/** `<runtime> --version` / `<init> --version`, asked once: runc prints "runc version 1.1.5", tini "tini version 0.19.0 - git.de40ad0". */
function componentVersion(bin: string): Promise<{ version: string; commit: string }> {
  let p = versions.get(bin);
  if (!p) {
    p = run(bin, ['--version']).then((out) => {
      const v = /version\s+(\S+)/.exec(out)?.[1] ?? '';
      const commit = /commit:\s*(\S+)/.exec(out)?.[1] ?? /git\.(\S+)/.exec(out)?.[1] ?? '';
      return { version: v, commit };
    });
    versions.set(bin, p);
  }
  return p;
}

function kernelVersion(): string {
  return os.release();
}

function osName(): { name: string; version: string } {
  try {
    const t = fs.readFileSync('/etc/os-release', 'utf8');
    return { name: /^PRETTY_NAME="?([^"\n]*)/m.exec(t)?.[1] ?? 'Linux', version: /^VERSION_ID="?([^"\n]*)/m.exec(t)?.[1] ?? '' };
  } catch {
    return { name: 'Linux', version: '' };
  }
}

/** Ask the runtime and init for their versions ahead of the first `docker version`. */
export function warmVersions(d: Daemon): void {
  void componentVersion(d.cfg.runtimes[d.cfg.defaultRuntime]);
  void componentVersion(d.cfg.initPath);
}

const CONTAINERD_VERSION = 'ref-containerd-0.1.0';

export function systemRoutes(r: Router, d: Daemon): void {
  const ping = (ctx: Parameters<Parameters<Router['add']>[2]>[0]) => {
    const extra = { 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' };
    if (ctx.req.method === 'HEAD') {
      ctx.send(200, '', 'text/plain; charset=utf-8', extra);
    } else ctx.send(200, 'OK', 'text/plain; charset=utf-8', extra);
  };
  r.add('GET', '/_ping', ping);
  r.add('HEAD', '/_ping', ping);

  r.add('GET', '/version', async (ctx) => {
    const runtime = await componentVersion(d.cfg.runtimes[d.cfg.defaultRuntime]);
    const init = await componentVersion(d.cfg.initPath);
    const details = {
      ApiVersion: API_VERSION,
      Arch: 'amd64',
      BuildTime: '2026-01-01T00:00:00.000000000+00:00',
      Experimental: 'false',
      GitCommit: GIT_COMMIT,
      GoVersion: `node${process.versions.node}`,
      KernelVersion: kernelVersion(),
      MinAPIVersion: MIN_API_VERSION,
      Os: 'linux',
    };
    ctx.sendJson(200, {
      Platform: { Name: '' },
      Components: [
        { Name: 'Engine', Version: ENGINE_VERSION, Details: details },
        { Name: 'containerd', Version: CONTAINERD_VERSION, Details: { GitCommit: CONTAINERD_VERSION } },
        { Name: 'runc', Version: runtime.version, Details: { GitCommit: runtime.commit || runtime.version } },
        { Name: 'docker-init', Version: init.version, Details: { GitCommit: init.commit } },
      ],
      Version: ENGINE_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: GIT_COMMIT,
      GoVersion: details.GoVersion,
      Os: 'linux',
      Arch: 'amd64',
      KernelVersion: details.KernelVersion,
      BuildTime: details.BuildTime,
    });
  });

  r.add('GET', '/info', async (ctx) => {
    const all = d.containers.list();
    const running = all.filter((c) => c.rec.State.Running).length;
    const paused = all.filter((c) => c.rec.State.Paused).length;
    const runtime = await componentVersion(d.cfg.runtimes[d.cfg.defaultRuntime]);
    const init = await componentVersion(d.cfg.initPath);
    const runtimes: Record<string, { path: string }> = {};
    const def = d.cfg.runtimes[d.cfg.defaultRuntime];
    // dockerd lists containerd's runtime plugin names beside its own runtimes (measured)
    runtimes['io.containerd.runc.v2'] = { path: def };
    runtimes['io.containerd.runtime.v1.linux'] = { path: def };
    for (const [name, p] of Object.entries(d.cfg.runtimes)) runtimes[name] = { path: p };
    const { name: osPretty, version: osVersion } = osName();
    // cgroup v2 has no kernel-memory or OOM-killer switches; swap limits need memory.swap.max in
    // the daemon's own cgroup (dockerd's sysinfo, which then warns about it).
    const v2 = cgroupVersion() === '2';
    const ownV2 = v2 ? cgroupDirsOf(process.pid).get('') : undefined;
    const swapLimit = !v2 || (ownV2 !== undefined && fs.existsSync(`${ownV2}/memory.swap.max`));
    ctx.sendJson(200, {
      ID: 'REFD:OCKS:PECE:NGIN:E000:0000:0000:0000:0000:0000:0000:0000',
      Containers: all.length,
      ContainersRunning: running,
      ContainersPaused: paused,
      ContainersStopped: all.length - running - paused,
      Images: d.images.list().length,
      Driver: 'overlay2',
      DriverStatus: [
        ['Backing Filesystem', 'extfs'],
        ['Supports d_type', 'true'],
        ['Native Overlay Diff', 'true'],
        ['userxattr', 'false'],
      ],
      Plugins: {
        Volume: ['local'],
        Network: ['bridge', 'host', 'null'],
        Authorization: null,
        Log: ['json-file'],
      },
      MemoryLimit: true,
      SwapLimit: swapLimit,
      KernelMemory: !v2,
      KernelMemoryTCP: !v2,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      BridgeNfIptables: true,
      BridgeNfIp6tables: true,
      Debug: d.cfg.debug,
      NFd: fs.readdirSync('/proc/self/fd').length,
      OomKillDisable: !v2,
      NGoroutines: 1,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: cgroupVersion(),
      NEventsListener: 0,
      KernelVersion: kernelVersion(),
      OperatingSystem: osPretty,
      OSVersion: osVersion,
      OSType: 'linux',
      Architecture: os.machine?.() ?? 'x86_64',
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: {
        AllowNondistributableArtifactsCIDRs: [],
        AllowNondistributableArtifactsHostnames: [],
        InsecureRegistryCIDRs: ['127.0.0.0/8'],
        IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
        Mirrors: [],
      },
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      GenericResources: null,
      DockerRootDir: d.cfg.dataRoot,
      HttpProxy: '',
      HttpsProxy: '',
      NoProxy: '',
      Name: os.hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: ENGINE_VERSION,
      Runtimes: runtimes,
      DefaultRuntime: d.cfg.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: d.cfg.liveRestore,
      Isolation: '',
      InitBinary: d.cfg.initPathGiven ? d.cfg.initPath : 'docker-init',
      ContainerdCommit: { ID: CONTAINERD_VERSION, Expected: CONTAINERD_VERSION },
      RuncCommit: { ID: runtime.commit || runtime.version, Expected: runtime.commit || runtime.version },
      InitCommit: { ID: init.commit, Expected: init.commit },
      SecurityOptions: [],
      Warnings: swapLimit ? null : ['WARNING: No swap limit support'],
    });
  });

}
