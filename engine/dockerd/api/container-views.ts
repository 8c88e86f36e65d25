// The JSON views of a container and an exec: GET /containers/{id}/json, the entries of GET
// /containers/json, GET /exec/{id}/json. Shapes and key order follow dockerd 20.10.24's answers
// (captured with curl).
import type { Daemon, ExecInstance } from '../daemon.js';
import type { Container } from '../container-store.js';
import { shownDefaults } from '../host-config.js';
import { parseBinds } from '../bundle.js';
import { cgroupVersion } from '../../../lib/cgroup-dirs.js';
import { humanDuration } from './human.js';

function endpointJson(c: Container) {
  const e = c.rec.Endpoint;
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    NetworkID: e?.networkId ?? '',
    EndpointID: e?.endpointId ?? '',
    Gateway: e?.gateway ?? '',
    IPAddress: e?.ipAddress ?? '',
    IPPrefixLen: e?.ipPrefixLen ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: e?.macAddress ?? '',
    DriverOpts: null,
  };
}

/** NetworkSettings.Ports: every exposed/bound port, with its published host bindings or null. */
function portsJson(c: Container): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  if (!c.rec.State.Running) return out;
  for (const p of Object.keys(c.rec.Config.ExposedPorts ?? {})) out[p] = null;
  for (const p of Object.keys(c.hostConfig.PortBindings ?? {})) out[p] = null;
  for (const p of c.rec.Ports ?? []) (out[p.containerPort] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort });
  return out;
}

/** The key of NetworkSettings.Networks: "default" is the bridge. */
export function networkName(c: Container): string {
  const mode = c.hostConfig.NetworkMode;
  return mode === 'default' ? 'bridge' : mode;
}

export function inspectJson(d: Daemon, c: Container) {
  const { rec, hostConfig } = c;
  const execIds = [...d.execs.values()].filter((e) => e.containerId === rec.ID).map((e) => e.id);
  const ov = d.layers.paths(rec.ID);
  const img = d.images.find(rec.Image);
  const ep = rec.Endpoint;
  const netName = networkName(c);
  return {
    Id: rec.ID,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: rec.State,
    Image: rec.Image,
    ResolvConfPath: rec.ResolvConfPath,
    HostnamePath: rec.HostnamePath,
    HostsPath: rec.HostsPath,
    LogPath: rec.LogPath,
    Name: rec.Name,
    RestartCount: rec.RestartCount,
    Driver: rec.Driver,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: { ...shownDefaults({ defaultRuntime: d.cfg.defaultRuntime, cgroupVersion: cgroupVersion() }), ...hostConfig },
    GraphDriver: {
      Data: { LowerDir: img?.rootfs ?? '', MergedDir: ov.merged, UpperDir: ov.diff, WorkDir: ov.work },
      Name: 'overlay2',
    },
    Mounts: parseBinds(hostConfig.Binds).map((m) => ({ Type: 'bind', Source: m.source, Destination: m.destination, Mode: m.mode, RW: m.rw, Propagation: 'rprivate' })),
    Config: rec.Config,
    NetworkSettings: {
      Bridge: '',
      SandboxID: ep?.sandboxId ?? '',
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      Ports: portsJson(c),
      SandboxKey: ep?.sandboxKey ?? '',
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: netName === 'bridge' ? (ep?.endpointId ?? '') : '',
      Gateway: netName === 'bridge' ? (ep?.gateway ?? '') : '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: netName === 'bridge' ? (ep?.ipAddress ?? '') : '',
      IPPrefixLen: netName === 'bridge' ? (ep?.ipPrefixLen ?? 0) : 0,
      IPv6Gateway: '',
      MacAddress: netName === 'bridge' ? (ep?.macAddress ?? '') : '',
      Networks: { [netName]: endpointJson(c) },
    },
  };
}

function statusText(c: Container): string {
  const s = c.rec.State;
  const ago = (t: string) => humanDuration(Date.now() - Date.parse(t));
  switch (s.Status) {
    case 'running':
      return `Up ${ago(s.StartedAt)}`;
    case 'paused':
      return `Up ${ago(s.StartedAt)} (Paused)`;
    case 'exited':
      return s.FinishedAt.startsWith('0001') ? `Exited (${s.ExitCode})` : `Exited (${s.ExitCode}) ${ago(s.FinishedAt)} ago`;
    case 'created':
      return 'Created';
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${ago(s.FinishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return s.Status;
  }
}

export function listJson(d: Daemon, c: Container) {
  const { rec } = c;
  const ports: Array<Record<string, unknown>> = [];
  const published = new Set<string>();
  for (const p of rec.State.Running ? (rec.Ports ?? []) : []) {
    const [port, proto] = p.containerPort.split('/');
    ports.push({ IP: p.hostIp, PrivatePort: Number(port), PublicPort: Number(p.hostPort), Type: proto ?? 'tcp' });
    published.add(p.containerPort);
  }
  for (const p of Object.keys(rec.Config.ExposedPorts ?? {})) {
    if (published.has(p)) continue;
    const [port, proto] = p.split('/');
    ports.push({ PrivatePort: Number(port), Type: proto ?? 'tcp' });
  }
  const cmd = [rec.Path, ...rec.Args].map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
  return {
    Id: rec.ID,
    Names: [rec.Name],
    Image: rec.Config.Image,
    ImageID: rec.Image,
    // the init is in the OCI spec only: COMMAND stays the user's (measured with --init)
    Command: cmd,
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: ports,
    Labels: rec.Config.Labels ?? {},
    State: rec.State.Status,
    Status: statusText(c),
    HostConfig: { NetworkMode: c.hostConfig.NetworkMode },
    NetworkSettings: { Networks: { [networkName(c)]: endpointJson(c) } },
    Mounts: [],
  };
}

export function execInspectJson(e: ExecInstance) {
  return {
    ID: e.id,
    Running: e.running,
    ExitCode: e.exitCode,
    ProcessConfig: { tty: e.config.Tty, entrypoint: e.config.Cmd[0], arguments: e.config.Cmd.slice(1), privileged: e.config.Privileged, user: e.config.User || undefined },
    OpenStdin: e.config.AttachStdin,
    OpenStderr: e.config.AttachStderr,
    OpenStdout: e.config.AttachStdout,
    CanRemove: false,
    ContainerID: e.containerId,
    DetachKeys: '',
    Pid: e.pid,
  };
}
