// containerd's metadata: namespaces, containers and leases, per namespace, kept in one JSON file
// under the root (containerd keeps them in bolt at <root>/io.containerd.metadata.v1.bolt) so that
// a restarted ref-containerd still knows the containers its live shims run. Writing anything into
// a namespace creates it, as in containerd.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { copyAny, isSet, type AnyValue } from '../../api/any.js';
import type { TimestampValue } from '../../api/timestamp.js';
import { nowNs } from '../../api/clock.js';

export class MetadataError extends Error {
  constructor(
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const INVALID_ARGUMENT = 3;
const FAILED_PRECONDITION = 9;

export interface ContainerRecord {
  id: string;
  labels: Record<string, string>;
  image: string;
  runtime: { name: string; options: AnyValue | null };
  spec: AnyValue | null;
  snapshotter: string;
  snapshotKey: string;
  createdAt: TimestampValue;
  updatedAt: TimestampValue;
  extensions: Record<string, AnyValue>;
  sandbox: string;
}

export interface LeaseRecord {
  id: string;
  createdAt: TimestampValue;
  labels: Record<string, string>;
  resources: { id: string; type: string }[];
}

interface NamespaceRecord {
  labels: Record<string, string>;
  containers: Record<string, ContainerRecord>;
  leases: Record<string, LeaseRecord>;
}

function now(): TimestampValue {
  const ns = nowNs();
  return { seconds: Number(ns / 1_000_000_000n), nanos: Number(ns % 1_000_000_000n) };
}

// Any values are Buffers in memory and base64 on disk.
function encode(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object' && (v as { type: string }).type === 'Buffer' && Array.isArray((v as { data: unknown }).data)) {
    return { $b64: Buffer.from((v as { data: number[] }).data).toString('base64') };
  }
  return v;
}

function decode(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object' && typeof (v as { $b64?: unknown }).$b64 === 'string') return Buffer.from((v as { $b64: string }).$b64, 'base64');
  return v;
}

export class Metadata {
  private readonly file: string;
  private namespaces: Record<string, NamespaceRecord> = {};

  constructor(root: string) {
    const dir = path.join(root, 'io.containerd.metadata.v1.json');
    fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
    this.file = path.join(dir, 'meta.json');
    try {
      this.namespaces = JSON.parse(fs.readFileSync(this.file, 'utf8'), decode) as Record<string, NamespaceRecord>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  private save(): void {
    fs.writeFileSync(`${this.file}.tmp`, JSON.stringify(this.namespaces, encode));
    fs.renameSync(`${this.file}.tmp`, this.file);
  }

  private ns(name: string): NamespaceRecord {
    return (this.namespaces[name] ??= { labels: {}, containers: {}, leases: {} });
  }

  // ---- namespaces -------------------------------------------------------------------------

  /** containerd answers Get for any name: labels of a namespace nobody created are empty. */
  namespaceLabels(name: string): Record<string, string> {
    return { ...(this.namespaces[name]?.labels ?? {}) };
  }

  namespaceNames(): string[] {
    return Object.keys(this.namespaces).sort();
  }

  createNamespace(name: string, labels: Record<string, string>): void {
    validateName(name, 'namespace');
    if (this.namespaces[name]) throw new MetadataError(ALREADY_EXISTS, `namespace ${name}: already exists`);
    this.ns(name).labels = { ...labels };
    this.save();
  }

  updateNamespace(name: string, labels: Record<string, string>, paths: string[]): void {
    const ns = this.namespaces[name];
    if (!ns) throw new MetadataError(NOT_FOUND, `namespace ${name}: not found`);
    if (paths.length === 0) ns.labels = { ...labels };
    for (const p of paths) {
      const m = /^labels\.(.+)$/.exec(p);
      if (p === 'labels') ns.labels = { ...labels };
      else if (m) {
        if (labels[m[1]!] !== undefined) ns.labels[m[1]!] = labels[m[1]!]!;
        else delete ns.labels[m[1]!];
      } else throw new MetadataError(INVALID_ARGUMENT, `cannot update ${p} field on namespace ${name}: invalid argument`);
    }
    this.save();
  }

  deleteNamespace(name: string): void {
    const ns = this.namespaces[name];
    if (!ns) throw new MetadataError(NOT_FOUND, `namespace ${name}: not found`);
    if (Object.keys(ns.containers).length) {
      throw new MetadataError(FAILED_PRECONDITION, `namespace ${name} must be empty, but it still has containers: failed precondition`);
    }
    delete this.namespaces[name];
    this.save();
  }

  // ---- containers -------------------------------------------------------------------------

  getContainer(ns: string, id: string): ContainerRecord {
    const c = this.namespaces[ns]?.containers[id];
    if (!c) throw new MetadataError(NOT_FOUND, `container "${id}" in namespace "${ns}": not found`);
    return c;
  }

  listContainers(ns: string): ContainerRecord[] {
    return Object.values(this.namespaces[ns]?.containers ?? {});
  }

  createContainer(ns: string, c: Partial<ContainerRecord>): ContainerRecord {
    const id = c.id ?? '';
    validateName(id, 'container id');
    if (!isSet(c.spec)) throw new MetadataError(INVALID_ARGUMENT, 'container.Spec must be set: invalid argument');
    if (!c.runtime?.name) throw new MetadataError(INVALID_ARGUMENT, 'must specify runtime name: invalid argument');
    const n = this.ns(ns);
    if (n.containers[id]) throw new MetadataError(ALREADY_EXISTS, `container "${id}": already exists`);
    const t = now();
    const rec: ContainerRecord = {
      id,
      labels: { ...(c.labels ?? {}) },
      image: c.image ?? '',
      runtime: { name: c.runtime.name, options: copyAny(c.runtime.options) },
      spec: copyAny(c.spec),
      snapshotter: c.snapshotter ?? '',
      snapshotKey: c.snapshotKey ?? '',
      createdAt: t,
      updatedAt: t,
      extensions: Object.fromEntries(Object.entries(c.extensions ?? {}).map(([k, v]) => [k, copyAny(v)!])),
      sandbox: c.sandbox ?? '',
    };
    n.containers[id] = rec;
    this.save();
    return rec;
  }

  /** containerd's field paths: labels, labels.<key>, spec, extensions, extensions.<key>, image, snapshotkey. */
  updateContainer(ns: string, c: Partial<ContainerRecord>, paths: string[]): ContainerRecord {
    const cur = this.getContainer(ns, c.id ?? '');
    const all = paths.length === 0;
    if (all) {
      if (c.runtime?.name && c.runtime.name !== cur.runtime.name) {
        throw new MetadataError(INVALID_ARGUMENT, `container.Runtime.Name field is immutable: invalid argument`);
      }
      cur.labels = { ...(c.labels ?? {}) };
      cur.spec = copyAny(c.spec) ?? cur.spec;
      cur.image = c.image ?? cur.image;
      cur.snapshotKey = c.snapshotKey ?? cur.snapshotKey;
      cur.extensions = Object.fromEntries(Object.entries(c.extensions ?? {}).map(([k, v]) => [k, copyAny(v)!]));
    }
    for (const p of paths) {
      const label = /^labels\.(.+)$/.exec(p);
      const ext = /^extensions\.(.+)$/.exec(p);
      if (p === 'labels') cur.labels = { ...(c.labels ?? {}) };
      else if (label) {
        const v = c.labels?.[label[1]!];
        if (v !== undefined) cur.labels[label[1]!] = v;
        else delete cur.labels[label[1]!];
      } else if (p === 'spec') cur.spec = copyAny(c.spec);
      else if (p === 'image') cur.image = c.image ?? '';
      else if (p === 'snapshotkey') cur.snapshotKey = c.snapshotKey ?? '';
      else if (p === 'extensions') cur.extensions = Object.fromEntries(Object.entries(c.extensions ?? {}).map(([k, v]) => [k, copyAny(v)!]));
      else if (ext) {
        const v = c.extensions?.[ext[1]!];
        if (v) cur.extensions[ext[1]!] = copyAny(v)!;
        else delete cur.extensions[ext[1]!];
      } else throw new MetadataError(INVALID_ARGUMENT, `cannot update ${JSON.stringify(p)} field on ${JSON.stringify(cur.id)}: invalid argument`);
    }
    if (!isSet(cur.spec)) throw new MetadataError(INVALID_ARGUMENT, 'container.Spec must be set: invalid argument');
    cur.updatedAt = now();
    this.save();
    return cur;
  }

  deleteContainer(ns: string, id: string): void {
    this.getContainer(ns, id);
    delete this.namespaces[ns]!.containers[id];
    this.save();
  }

  // ---- leases -----------------------------------------------------------------------------

  createLease(ns: string, id: string, labels: Record<string, string>): LeaseRecord {
    const n = this.ns(ns);
    // Not held to the identifier pattern: clients' random lease ids carry base64 characters.
    const leaseId = id || `${Date.now()}-${randomBytes(8).toString('base64url')}`;
    if (n.leases[leaseId]) throw new MetadataError(ALREADY_EXISTS, `lease ${JSON.stringify(leaseId)}: already exists`);
    const rec: LeaseRecord = { id: leaseId, createdAt: now(), labels: { ...labels }, resources: [] };
    n.leases[leaseId] = rec;
    this.save();
    return rec;
  }

  private lease(ns: string, id: string): LeaseRecord {
    const l = this.namespaces[ns]?.leases[id];
    if (!l) throw new MetadataError(NOT_FOUND, `lease ${JSON.stringify(id)}: not found`);
    return l;
  }

  deleteLease(ns: string, id: string): void {
    this.lease(ns, id);
    delete this.namespaces[ns]!.leases[id];
    this.save();
  }

  listLeases(ns: string): LeaseRecord[] {
    return Object.values(this.namespaces[ns]?.leases ?? {});
  }

  addLeaseResource(ns: string, id: string, r: { id: string; type: string }): void {
    const l = this.lease(ns, id);
    if (!l.resources.some((x) => x.id === r.id && x.type === r.type)) l.resources.push({ id: r.id, type: r.type });
    this.save();
  }

  deleteLeaseResource(ns: string, id: string, r: { id: string; type: string }): void {
    const l = this.lease(ns, id);
    l.resources = l.resources.filter((x) => !(x.id === r.id && x.type === r.type));
    this.save();
  }

  leaseResources(ns: string, id: string): { id: string; type: string }[] {
    return [...this.lease(ns, id).resources];
  }
}

/** containerd's identifiers: letters, digits and ._- inside, 76 characters at most. */
function validateName(s: string, what: string): void {
  if (!s) throw new MetadataError(INVALID_ARGUMENT, `${what} must not be empty: invalid argument`);
  if (s.length > 76 || !/^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$/.test(s)) {
    throw new MetadataError(INVALID_ARGUMENT, `identifier ${JSON.stringify(s)} must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$: invalid argument`);
  }
}
