// Until engine/dockerd/network/ provides its controller, containers get a network namespace of
// their own with loopback only (the runtime makes it when the spec names no path) and no ports.
import type { Endpoint, NetworkController, NetworkControllerOptions, PortMap, PublishedPort } from './network/types.js';
import { logger } from './log.js';

export class IsolatedNetworkController implements NetworkController {
  async createEndpoint(containerId: string): Promise<Endpoint> {
    return { containerId, netnsPath: '', ipAddress: '', ipPrefixLen: 0, gateway: '', macAddress: '', endpointId: '', sandboxKey: '' };
  }
  async publishPorts(_e: Endpoint, name: string, ports: PortMap): Promise<PublishedPort[]> {
    if (Object.keys(ports).length) logger.warn('no network controller: ports are not published', { container: name });
    return [];
  }
  async unpublishPorts(): Promise<void> {}
  async deleteEndpoint(): Promise<void> {}
  async close(): Promise<void> {}
}

/** The network engineer's controller when it exists, else the isolated fallback. */
export async function loadNetworkController(opts: NetworkControllerOptions): Promise<NetworkController> {
  let mod: Record<string, unknown>;
  try {
    // a literal specifier, so that scripts/bundle.mjs puts the controller into ref-dockerd's bundle
    mod = (await import('./network/controller.js')) as Record<string, unknown>;
  } catch (err) {
    logger.warn('network controller not available, containers get loopback only', { error: err as Error });
    return new IsolatedNetworkController();
  }
  for (const name of ['createNetworkController', 'newNetworkController', 'create']) {
    const f = mod[name];
    if (typeof f === 'function') return await (f as (o: NetworkControllerOptions) => NetworkController | Promise<NetworkController>)(opts);
  }
  for (const name of ['BridgeNetworkController', 'NetworkControllerImpl', 'Controller', 'default']) {
    const C = mod[name];
    if (typeof C === 'function') {
      const inst = new (C as new (o: NetworkControllerOptions) => NetworkController & { init?: () => Promise<void> })(opts);
      if (typeof inst.init === 'function') await inst.init();
      return inst;
    }
  }
  logger.warn('network/controller.js exports no factory, containers get loopback only', { exports: Object.keys(mod).join(',') });
  return new IsolatedNetworkController();
}
