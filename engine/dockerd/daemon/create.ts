// POST /containers/create after the decoder: the request body and the image's config become the
// container's record (config.v2.json) and HostConfig (hostconfig.json), as dockerd merges them.
import crypto from 'node:crypto';
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import { initialState, nowRfc3339Nano, type ContainerConfig, type ContainerRecord } from '../container.js';
import { newHostConfig } from '../host-config.js';
import { generateName, validateName } from '../names.js';
import { mergeEnv, parseBinds } from '../bundle.js';
import { cgroupVersion } from '../../../lib/cgroup-dirs.js';
import { DockerError } from '../errors.js';
import * as E from '../errors.js';
import { logger } from '../log.js';

export async function createContainer(d: Daemon, body: Record<string, unknown>, nameParam: string | null): Promise<Container> {
  const name = nameParam ? validateName(nameParam) : generateName((n) => Boolean(d.containers.byName(n)));
  const holder = d.containers.byName(name);
  if (holder) throw E.nameConflict(name, holder.rec.ID);
  const imageName = String(body.Image ?? '');
  if (!imageName) throw new DockerError(400, 'Config cannot be empty in order to create a container');
  const image = d.images.get(imageName);
  const ic = image.config.config ?? {};
  const hc = (body.HostConfig ?? {}) as Record<string, unknown>;
  parseBinds(hc.Binds as string[] | null | undefined);
  const hostConfig = newHostConfig(hc, { defaultRuntime: d.cfg.defaultRuntime, cgroupVersion: cgroupVersion() });
  if (!(hostConfig.Runtime in d.cfg.runtimes)) throw E.unknownRuntime(hostConfig.Runtime);

  const userEntrypoint = (body.Entrypoint as string[] | null | undefined) ?? null;
  const userCmd = (body.Cmd as string[] | null | undefined) ?? null;
  const entrypoint = userEntrypoint && userEntrypoint.length ? userEntrypoint : (ic.Entrypoint ?? null);
  // an entrypoint given at create time drops the image's CMD, as Docker does
  const cmd = userCmd && userCmd.length ? userCmd : userEntrypoint && userEntrypoint.length ? null : (ic.Cmd ?? null);
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (argv.length === 0) throw E.noCommand();

  const id = crypto.randomBytes(32).toString('hex');
  const env = mergeEnv(ic.Env, body.Env as string[] | null);
  const config: ContainerConfig = {
    Hostname: (body.Hostname as string) || id.slice(0, 12),
    Domainname: (body.Domainname as string) ?? '',
    User: (body.User as string) || ic.User || '',
    AttachStdin: Boolean(body.AttachStdin),
    AttachStdout: Boolean(body.AttachStdout),
    AttachStderr: Boolean(body.AttachStderr),
    ...(body.ExposedPorts || ic.ExposedPorts ? { ExposedPorts: { ...(ic.ExposedPorts ?? {}), ...((body.ExposedPorts as object) ?? {}) } } : {}),
    Tty: Boolean(body.Tty),
    OpenStdin: Boolean(body.OpenStdin),
    StdinOnce: Boolean(body.StdinOnce),
    Env: env.length ? env : null,
    Cmd: cmd,
    Image: imageName,
    Volumes: (body.Volumes as Record<string, object>) ?? null,
    WorkingDir: (body.WorkingDir as string) || ic.WorkingDir || '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: { ...(ic.Labels ?? {}), ...((body.Labels as Record<string, string>) ?? {}) },
    ...(body.StopSignal || ic.StopSignal ? { StopSignal: (body.StopSignal as string) || ic.StopSignal } : {}),
    ...(typeof body.StopTimeout === 'number' ? { StopTimeout: body.StopTimeout } : {}),
  };
  const rec: ContainerRecord = {
    ID: id,
    Created: nowRfc3339Nano(),
    Path: argv[0],
    Args: argv.slice(1),
    Config: config,
    State: initialState(),
    Image: image.id,
    Name: name,
    LogPath: '',
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    RestartCount: 0,
    Driver: 'overlay2',
  };
  const c: Container = { rec, hostConfig };
  d.containers.add(c);
  d.layers.create(id);
  d.events.container(c, 'create');
  logger.info('container created', { container: id, name: name.slice(1) });
  return c;
}
