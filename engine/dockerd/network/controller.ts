// ref-dockerd's networking: one bridge network (plus "none"), a sandbox and address per container,
// and published ports carried by userland proxies. What a container got is kept on disk under
// <data-root>/network/ so that a restarted daemon can delete it or, with --live-restore, bring its
// proxies back.
import path from 'node:path';
import fs from 'node:fs';
import type { Endpoint, NetworkController, NetworkControllerOptions, PortMap, PublishedPort } from './types.js';
import { deleteBridge, ensureBridge, type BridgeInfo } from './bridge.js';
import { Ipam, macFromIp } from './ipam.js';
import { attachVeth, createNetns, deleteNetns, deleteOrphanedNetns, deleteVeth, isNetnsMounted, loopbackUp, netnsDir, randomHex } from './sandbox.js';
import { PortAllocatedError, PortAllocator, PortsExhaustedError } from './port-allocator.js';
import { EPHEMERAL_ATTEMPTS, allocatePort, portMappings, type Mapping, type Unit } from './port-mapping.js';
import { holdPort, ProxyStartError, ProxyTimeoutError, startUserlandProxy, type ProxySpec, type RunningProxy } from './proxy-launcher.js';
import { readJson, removeFile, writeJson } from './state-file.js';
import * as E from './errors.js';
import { DockerError } from '../errors.js';
import { faultEnabled } from '../../../lib/faults.js';

/** What <data-root>/network/endpoints/<id>.json keeps: the endpoint and what it takes to undo it. */
interface EndpointRecord extends Omit<Endpoint, 'sandboxKey'> {
  containerName: string;
  hostVeth?: string;
  /** what was published and not yet unpublished: survives a daemon restart for live restore */
  published: Array<ProxySpec & { containerPortKey: string }>;
}

export interface NetworkState {
  networks: Record<string, string>;
}

function toEndpoint(r: EndpointRecord): Endpoint {
  const { containerName: _name, hostVeth: _veth, published: _published, ...endpoint } = r;
  return { ...endpoint, sandboxKey: r.netnsPath };
}

class BridgeNetworkController implements NetworkController {
  private readonly records = new Map<string, EndpointRecord>();
  private readonly proxies = new Map<string, RunningProxy[]>();
  private readonly ports = new PortAllocator();
  private readonly stateDir: string;

  constructor(
    private readonly opts: NetworkControllerOptions,
    private readonly bridge: BridgeInfo,
    private readonly bridgeCreated: boolean,
    private readonly ipam: Ipam,
    private readonly networks: Record<string, string>,
  ) {
    this.stateDir = path.join(opts.dataRoot, 'network');
    this.loadRecords();
  }

  private recordFile(containerId: string): string {
    return path.join(this.stateDir, 'endpoints', `${containerId}.json`);
  }

  private loadRecords(): void {
    const dir = path.join(this.stateDir, 'endpoints');
    let files: string[] = [];
    try {
      files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      return;
    }
    for (const f of files) {
      const r = readJson<EndpointRecord>(path.join(dir, f));
      if (!r) continue;
      this.records.set(r.containerId, r);
      // The ports stay ours across the restart: no other container may take them meanwhile.
      for (const p of r.published) this.ports.request(p.proto, p.hostIp, p.hostPort);
    }
  }

  private save(r: EndpointRecord): void {
    writeJson(this.recordFile(r.containerId), r);
  }

  async createEndpoint(containerId: string, containerName: string, networkMode: string): Promise<Endpoint> {
    const mode = networkMode === 'default' || networkMode === '' ? 'bridge' : networkMode;
    if (mode !== 'bridge' && mode !== 'none' && mode !== 'host') throw E.unsupportedNetworkMode(mode);
    // A record left by a crash (or an earlier start) is cleared first so nothing is leaked twice.
    if (this.records.has(containerId)) await this.deleteEndpoint(containerId);

    const sandboxId = randomHex(64);
    const netnsPath = path.join(netnsDir(this.opts.execRoot), sandboxId.slice(0, 12));
    const r: EndpointRecord = {
      containerId,
      containerName,
      networkName: mode,
      networkId: this.networks[mode]!,
      sandboxId,
      endpointId: randomHex(64),
      netnsPath,
      ipAddress: '',
      ipPrefixLen: 0,
      gateway: '',
      macAddress: '',
      published: [],
    };
    if (mode === 'host') {
      // The host's own namespace: nothing to make or delete. dockerd 20.10 shows this SandboxKey
      // and no network namespace at all in the container's spec (netnsPath "").
      Object.assign(r, { netnsPath: '' });
      this.records.set(containerId, r);
      this.save(r);
      return { ...toEndpoint(r), sandboxKey: path.join(netnsDir(this.opts.execRoot), 'default') };
    }
    // Recorded before the namespace exists: a daemon killed in between leaves a record that
    // deleteEndpoint can undo, not a mount that nobody knows.
    this.records.set(containerId, r);
    this.save(r);
    try {
      await createNetns(netnsPath);
      if (mode === 'none') {
        await loopbackUp(netnsPath);
      } else {
        const ip = this.ipam.allocate(containerId);
        if (!ip) throw E.addressSpaceExhausted(this.ipam.subnet);
        Object.assign(r, {
          ipAddress: ip,
          ipPrefixLen: this.bridge.prefixLen,
          gateway: this.bridge.address,
          macAddress: macFromIp(ip),
          hostVeth: `veth${randomHex(7)}`,
        });
        // Saved again before the veth exists: if the daemon dies in between, deleteEndpoint still
        // knows which names to clean.
        this.save(r);
        await attachVeth({
          netnsPath,
          bridge: this.bridge.name,
          hostVeth: r.hostVeth!,
          ipAddress: ip,
          prefixLen: r.ipPrefixLen,
          gateway: r.gateway,
          macAddress: r.macAddress,
        });
      }
    } catch (err) {
      if (r.ipAddress) this.ipam.release(r.ipAddress);
      await deleteNetns(netnsPath).catch(() => undefined);
      this.records.delete(containerId);
      removeFile(this.recordFile(containerId));
      throw err;
    }
    this.records.set(containerId, r);
    this.save(r);
    return toEndpoint(r);
  }

  private async launch(m: ProxySpec): Promise<RunningProxy> {
    // Fault switch proxy-not-started (lib/faults.ts): the port is held as with --userland-proxy=false,
    // but nothing forwards it.
    return this.opts.userlandProxy && !faultEnabled('proxy-not-started') ? startUserlandProxy(this.opts.userlandProxyPath, m) : holdPort(m);
  }

  /** The allocator's errors and the proxies' errors, in Docker's words. */
  private explain(err: unknown, r: EndpointRecord, containerName: string): Error {
    if (err instanceof DockerError) return err;
    if (err instanceof PortAllocatedError) return E.portAlreadyAllocated(containerName, r.endpointId, err.hostIp, err.hostPort);
    if (err instanceof PortsExhaustedError) return E.noPortAvailable(containerName, r.endpointId);
    if (err instanceof ProxyStartError) return E.userlandProxyFailed(containerName, r.endpointId, err.proxyText);
    if (err instanceof ProxyTimeoutError) return E.userlandProxyTimeout(containerName, r.endpointId);
    return err as Error;
  }

  async publishPorts(endpoint: Endpoint, containerName: string, ports: PortMap): Promise<PublishedPort[]> {
    const r = this.records.get(endpoint.containerId);
    if (!r || !r.ipAddress) return [];
    // Ports published by a previous daemon and never unpublished: this is a live restore.
    if (r.published.length && !this.proxies.has(r.containerId)) return this.restorePorts(r.containerId, containerName);
    if (this.proxies.has(r.containerId)) await this.unpublishPorts(r.containerId);

    const units = portMappings(ports ?? {}, r.ipAddress);
    const allocated: Unit[] = [];
    const release = (u: Unit): void => {
      for (const m of u) this.ports.release(m.proto, m.hostIp, m.hostPort);
    };
    // Allocate everything first: a duplicate is refused before any proxy starts, as in Docker.
    try {
      for (const u of units) {
        allocatePort(this.ports, u);
        allocated.push(u);
      }
    } catch (err) {
      allocated.forEach(release);
      throw this.explain(err, r, containerName);
    }

    const running: RunningProxy[] = [];
    const pids = new Map<Mapping, number | undefined>();
    const results = await Promise.allSettled(
      allocated.map(async (u) => {
        for (let attempt = 1; ; attempt++) {
          const started = await Promise.allSettled(u.map((m) => this.launch(m)));
          const ok = started.flatMap((x) => (x.status === 'fulfilled' ? [x.value] : []));
          const bad = started.find((x): x is PromiseRejectedResult => x.status === 'rejected');
          if (!bad) {
            running.push(...ok);
            u.forEach((m, i) => pids.set(m, ok[i]!.pid));
            return;
          }
          await Promise.all(ok.map((p) => p.stop()));
          if (!(bad.reason instanceof ProxyStartError) || !u[0]!.ephemeral || attempt >= EPHEMERAL_ATTEMPTS) throw bad.reason;
          // Someone outside the engine holds this ephemeral port: take the next one, then give
          // this one back (so the allocator does not hand it out again at once).
          const old = u.map((m) => m.hostPort);
          for (const m of u) m.hostPort = 0;
          allocatePort(this.ports, u);
          u.forEach((m, i) => this.ports.release(m.proto, m.hostIp, old[i]!));
        }
      }),
    );
    const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) {
      await Promise.all(running.map((p) => p.stop()));
      allocated.forEach(release);
      throw this.explain(failed.reason, r, containerName);
    }
    const mappings = allocated.flat();
    this.proxies.set(r.containerId, running);
    r.published = mappings.map(({ proto, hostIp, hostPort, containerIp, containerPort, containerPortKey }) => ({
      proto,
      hostIp,
      hostPort,
      containerIp,
      containerPort,
      containerPortKey,
    }));
    this.save(r);
    return mappings.map((m) => ({ containerPort: m.containerPortKey, hostIp: m.hostIp, hostPort: String(m.hostPort), proxyPid: pids.get(m) }));
  }

  async restoreEndpoint(containerId: string): Promise<Endpoint | undefined> {
    const r = this.records.get(containerId);
    if (!r) return undefined;
    if (r.networkName === 'host') return { ...toEndpoint(r), sandboxKey: path.join(netnsDir(this.opts.execRoot), 'default') };
    if (!(await isNetnsMounted(r.netnsPath))) return undefined;
    return toEndpoint(r);
  }

  async restorePorts(containerId: string, containerName: string): Promise<PublishedPort[]> {
    const r = this.records.get(containerId);
    if (!r) return [];
    if (this.proxies.has(containerId)) await this.stopProxies(containerId);
    const running: RunningProxy[] = [];
    const out: PublishedPort[] = [];
    try {
      for (const p of r.published) {
        const proxy = await this.launch(p);
        running.push(proxy);
        out.push({ containerPort: p.containerPortKey, hostIp: p.hostIp, hostPort: String(p.hostPort), proxyPid: proxy.pid });
      }
    } catch (err) {
      await Promise.all(running.map((p) => p.stop()));
      throw this.explain(err, r, containerName);
    }
    this.proxies.set(containerId, running);
    return out;
  }

  private async stopProxies(containerId: string): Promise<void> {
    const running = this.proxies.get(containerId) ?? [];
    this.proxies.delete(containerId);
    await Promise.all(running.map((p) => p.stop()));
  }

  async unpublishPorts(containerId: string): Promise<void> {
    await this.stopProxies(containerId);
    const r = this.records.get(containerId);
    if (!r || !r.published.length) return;
    for (const p of r.published) this.ports.release(p.proto, p.hostIp, p.hostPort);
    r.published = [];
    this.save(r);
  }

  async deleteEndpoint(containerId: string): Promise<void> {
    await this.unpublishPorts(containerId);
    const r = this.records.get(containerId);
    if (!r) {
      // No record, yet an address may be on file from a crash between allocation and the record.
      this.ipam.releaseOwner(containerId);
      return;
    }
    if (r.hostVeth) await deleteVeth(r.hostVeth);
    if (r.netnsPath) await deleteNetns(r.netnsPath);
    this.ipam.releaseOwner(containerId);
    this.records.delete(containerId);
    removeFile(this.recordFile(containerId));
  }

  /** Called once at the start, before any endpoint is made. */
  async deleteOrphanedSandboxes(): Promise<void> {
    const recorded = new Set([...this.records.values()].map((r) => r.netnsPath));
    await deleteOrphanedNetns(netnsDir(this.opts.execRoot), recorded);
  }

  listEndpoints(): string[] {
    return [...this.records.keys()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.keys()].map((id) => this.stopProxies(id)));
    // Endpoints stay: with --live-restore their containers keep running and a later daemon takes
    // them back. The bridge goes only if we made it and nobody is attached any more.
    if (this.bridgeCreated && this.records.size === 0) await deleteBridge(this.bridge.name);
  }
}

export async function createNetworkController(opts: NetworkControllerOptions): Promise<NetworkController> {
  const stateDir = path.join(opts.dataRoot, 'network');
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(netnsDir(opts.execRoot), { recursive: true, mode: 0o700 });
  const { bridge, created } = await ensureBridge(opts.bridge, opts.bip);
  const ipam = new Ipam(path.join(stateDir, 'ipam.json'), bridge.address, bridge.prefixLen);
  // Network ids are random once and then stable, like the ids dockerd keeps in its local store.
  const stateFile = path.join(stateDir, 'networks.json');
  const state = readJson<NetworkState>(stateFile) ?? { networks: {} };
  let changed = false;
  for (const name of ['bridge', 'none', 'host']) {
    if (!state.networks[name]) {
      state.networks[name] = randomHex(64);
      changed = true;
    }
  }
  if (changed) writeJson(stateFile, state);
  const controller = new BridgeNetworkController(opts, bridge, created, ipam, state.networks);
  await controller.deleteOrphanedSandboxes();
  return controller;
}
