// Networking's texts that reach the docker CLI, each built here only. Measured on dockerd 20.10.24
// (see the report in docs or the @proxy scenarios); the CLI prints them after "Error response from
// daemon: ".
import { DockerError } from '../errors.js';

/** Go's "%s:%d" of an IP and port; note `:::8080` for "::", unlike the proxy's `[::]:8080`. */
function ipPort(ip: string, port: number | string): string {
  return `${ip}:${port}`;
}

function programming(containerName: string, endpointId: string, cause: string): DockerError {
  return new DockerError(500, `driver failed programming external connectivity on endpoint ${containerName} (${endpointId}): ${cause}`);
}

/** The port allocator refused an exact duplicate (same host IP, port and protocol). */
export function portAlreadyAllocated(containerName: string, endpointId: string, hostIp: string, hostPort: number): DockerError {
  return programming(containerName, endpointId, `Bind for ${ipPort(hostIp, hostPort)} failed: port is already allocated`);
}

/** The proxy could not bind, e.g. `listen tcp4 0.0.0.0:8090: bind: address already in use`. */
export function userlandProxyFailed(containerName: string, endpointId: string, proxyText: string): DockerError {
  return programming(containerName, endpointId, `Error starting userland proxy: ${proxyText}`);
}

export function userlandProxyTimeout(containerName: string, endpointId: string): DockerError {
  return programming(containerName, endpointId, 'Timed out proxy starting the userland proxy');
}

/** Every ephemeral port of the range is taken on that address. */
export function noPortAvailable(containerName: string, endpointId: string): DockerError {
  return programming(containerName, endpointId, 'Bind for 0.0.0.0:0 failed: all ports are allocated');
}

/** nat.ParsePortRange's error, with Go's %q of the text (JSON's quoting is the same for what a port can hold). */
export function invalidPort(port: string): DockerError {
  return new DockerError(400, `invalid port specification: ${JSON.stringify(port)}`);
}

export function noSuchBridge(bridge: string): Error {
  return new Error(`Error initializing network controller: error creating default "bridge" network: bridge device ${bridge} not found`);
}

export function noBridgeAddress(bridge: string): Error {
  return new Error(`Error initializing network controller: bridge ${bridge} has no IPv4 address`);
}

export function addressSpaceExhausted(subnet: string): DockerError {
  return new DockerError(500, `no available IPv4 addresses on this network's address pools: bridge (${subnet})`);
}

export function unsupportedNetworkMode(mode: string): DockerError {
  return new DockerError(404, `network ${mode} not found`);
}
