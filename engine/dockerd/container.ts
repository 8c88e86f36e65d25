// A container as ref-dockerd keeps it, with the Engine API's field names so that the records on
// disk (config.v2.json, hostconfig.json) read like dockerd's own.
import type { Endpoint, PublishedPort } from './network/types.js';

export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

export interface EndpointSettings {
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  MacAddress: string;
}

/** What config.v2.json holds. HostConfig lives in hostconfig.json beside it, as in dockerd. */
export interface ContainerRecord {
  ID: string;
  Created: string;
  Path: string;
  Args: string[];
  Config: ContainerConfig;
  State: ContainerState;
  /** image id, sha256:… */
  Image: string;
  Name: string;
  LogPath: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  RestartCount: number;
  Driver: string;
  /** runtime path the container was started with (the shim needs it again after a restart) */
  RuntimePath?: string;
  /** the network endpoint of the current run (absent when not running) */
  Endpoint?: Endpoint;
  Ports?: PublishedPort[];
  /** whether init was on when the container started */
  InitOn?: boolean;
  /** dockerd's flags for restart policies: a container only created is never restarted */
  HasBeenStartedBefore?: boolean;
  /** stopped or killed by the user: unless-stopped leaves it stopped */
  HasBeenManuallyStopped?: boolean;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function initialState(): ContainerState {
  return {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}

/** Go's RFC3339Nano for "now", with nanosecond precision padded from the clock. */
export function nowRfc3339Nano(): string {
  const d = new Date();
  const ns = String(Number(process.hrtime.bigint() % 1000000n)).padStart(6, '0');
  return `${d.toISOString().slice(0, 23)}${ns}Z`;
}
