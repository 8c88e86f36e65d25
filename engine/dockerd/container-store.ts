// The daemon's containers, in memory and on disk under <data-root>/containers/<id>/: config.v2.json
// and hostconfig.json, each replaced atomically on every change so that a crash leaves the last
// complete state. Lookup accepts a full id, a name, or a unique id prefix, as Docker's does.
import fs from 'node:fs';
import path from 'node:path';
import { readJson, writeJsonAtomic } from '../../lib/atomic-file.js';
import type { ContainerRecord } from './container.js';
import type { HostConfig } from './host-config.js';
import { DockerError } from './errors.js';
import * as E from './errors.js';

export interface Container {
  rec: ContainerRecord;
  hostConfig: HostConfig;
}

export class ContainerStore {
  private byId = new Map<string, Container>();
  readonly root: string;

  constructor(dataRoot: string) {
    this.root = path.join(dataRoot, 'containers');
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  load(): Container[] {
    fs.mkdirSync(this.root, { recursive: true });
    for (const id of fs.readdirSync(this.root)) {
      if (!/^[0-9a-f]{64}$/.test(id)) continue;
      try {
        const rec = readJson<ContainerRecord>(path.join(this.dir(id), 'config.v2.json'));
        const hostConfig = readJson<HostConfig>(path.join(this.dir(id), 'hostconfig.json'));
        if (rec && hostConfig) this.byId.set(id, { rec, hostConfig });
      } catch {
        // an unreadable record is skipped, as dockerd skips containers it cannot load
      }
    }
    return this.list();
  }

  add(c: Container): void {
    this.byId.set(c.rec.ID, c);
    this.save(c);
  }

  save(c: Container): void {
    if (!this.byId.has(c.rec.ID)) return; // removed meanwhile: do not resurrect its directory
    writeJsonAtomic(path.join(this.dir(c.rec.ID), 'hostconfig.json'), c.hostConfig);
    writeJsonAtomic(path.join(this.dir(c.rec.ID), 'config.v2.json'), c.rec);
  }

  remove(id: string): void {
    this.byId.delete(id);
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  list(): Container[] {
    return [...this.byId.values()].sort((a, b) => (a.rec.Created < b.rec.Created ? 1 : -1));
  }

  byName(name: string): Container | undefined {
    const n = name.startsWith('/') ? name : `/${name}`;
    for (const c of this.byId.values()) if (c.rec.Name === n) return c;
    return undefined;
  }

  find(ref: string): Container | undefined {
    if (ref === '') return undefined;
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const named = this.byName(ref);
    if (named) return named;
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const hits = [...this.byId.values()].filter((c) => c.rec.ID.startsWith(ref));
    if (hits.length > 1) throw new DockerError(400, `Multiple IDs found with provided prefix: ${ref}`);
    return hits[0];
  }

  get(ref: string): Container {
    const c = this.find(ref);
    if (!c) throw E.noSuchContainer(ref);
    return c;
  }
}
