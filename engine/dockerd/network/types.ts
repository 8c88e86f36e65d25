// The contract between ref-dockerd's container code and its networking (bridge, sandboxes,
// port allocator, proxies). Field names follow libnetwork's where they exist.
import type { HostConfig } from '../host-config.js';

/**
 * HostConfig.PortBindings as the API sends it and the container's record keeps it (nat.PortMap):
 * "80/tcp" → bindings; HostIp "" means all addresses (Docker then binds 0.0.0.0 and ::), HostPort
 * "" or "0" an ephemeral port.
 */
export type PortMap = HostConfig['PortBindings'];

export interface Endpoint {
  containerId: string;
  /** the nsfs bind mount to put in the OCI spec's network namespace */
  netnsPath: string;
  ipAddress: string;
  ipPrefixLen: number;
  gateway: string;
  macAddress: string;
  endpointId: string;
  sandboxKey: string;
  /** NetworkSettings.SandboxID (64 hex); SandboxKey is <exec-root>/netns/<its first 12> */
  sandboxId: string;
  /** the key of NetworkSettings.Networks: "bridge", "none" or "host" (host: netnsPath is "", the spec gets no network namespace) */
  networkName: string;
  /** Networks.<name>.NetworkID: stable per engine (kept in <data-root>/network/) */
  networkId: string;
}

/** One actually published host port, as `docker port` and NetworkSettings.Ports show it. */
export interface PublishedPort {
  containerPort: string; // "80/tcp"
  hostIp: string; // "0.0.0.0" or "::"
  hostPort: string;
  proxyPid?: number;
}

export interface NetworkControllerOptions {
  execRoot: string;
  dataRoot: string;
  /** existing bridge to use (`--bridge`), else one is made from `bip` */
  bridge?: string;
  bip?: string;
  userlandProxy: boolean;
  userlandProxyPath: string;
}

export interface NetworkController {
  /** netns + veth + address; networkMode "none" gives a netns with loopback only, "host" none at all */
  createEndpoint(containerId: string, containerName: string, networkMode: string): Promise<Endpoint>;
  /**
   * Allocate and proxy the ports. Throws a DockerError carrying Docker's exact text
   * ("driver failed programming external connectivity on endpoint <name> (<endpoint id>): Bind for
   * 0.0.0.0:8080 failed: port is already allocated") when the allocator or a proxy refuses.
   */
  publishPorts(endpoint: Endpoint, containerName: string, ports: PortMap): Promise<PublishedPort[]>;
  /** SIGINT the container's proxies and free its ports (on stop). */
  unpublishPorts(containerId: string): Promise<void>;
  deleteEndpoint(containerId: string): Promise<void>;
  /** Daemon shutdown: stop all proxies; remove the bridge only if this controller made it. */
  close(): Promise<void>;
  /** Live restore: the endpoint a previous daemon made for this container, if its namespace is still mounted. */
  restoreEndpoint(containerId: string): Promise<Endpoint | undefined>;
  /**
   * Live restore: start proxies again for the host ports the container had before the daemon
   * restarted (same ports, ephemeral ones included). publishPorts does the same when it is called
   * for a container whose ports were published by a previous daemon and not unpublished.
   */
  restorePorts(containerId: string, containerName: string): Promise<PublishedPort[]>;
  /** Container ids that have an endpoint on disk: lets the daemon delete those of gone containers. */
  listEndpoints(): string[];
}
