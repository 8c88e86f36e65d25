// Images as ref-dockerd keeps them: one unpacked rootfs per image (there is one layer: `docker
// import` makes single-layer images), the image config Docker would write (its sha256 is the image
// id), and the repositories file mapping `repo:tag` to ids, like dockerd's repositories.json.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { readJson, writeJsonAtomic } from '../../lib/atomic-file.js';
import { extractTar } from './tar-import.js';
import { familiar, parseReference, type Reference } from './reference.js';
import { DockerError } from './errors.js';
import * as E from './errors.js';
import { ENGINE_VERSION } from './version.js';
import type { ContainerConfig } from './container.js';

export interface ImageConfig {
  architecture: string;
  os: string;
  created: string;
  comment?: string;
  docker_version: string;
  config: Partial<ContainerConfig>;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: Array<{ created: string; created_by?: string; comment?: string }>;
}

export interface Image {
  /** sha256:<hex> */
  id: string;
  config: ImageConfig;
  size: number;
  lastTagTime?: string;
  rootfs: string;
}

interface Repositories {
  Repositories: Record<string, Record<string, string>>;
}

export class ImageStore {
  private images = new Map<string, Image>();
  private refs = new Map<string, string>(); // "repo:tag" → id
  private readonly root: string;

  constructor(dataRoot: string) {
    this.root = path.join(dataRoot, 'image');
  }

  load(): void {
    fs.mkdirSync(this.root, { recursive: true });
    for (const hex of fs.readdirSync(this.root)) {
      if (!/^[0-9a-f]{64}$/.test(hex)) {
        if (hex.startsWith('tmp-')) fs.rmSync(path.join(this.root, hex), { recursive: true, force: true });
        continue;
      }
      const dir = path.join(this.root, hex);
      const config = readJson<ImageConfig>(path.join(dir, 'image.json'));
      const meta = readJson<{ size: number; lastTagTime?: string }>(path.join(dir, 'meta.json'));
      if (!config) continue;
      this.images.set(`sha256:${hex}`, { id: `sha256:${hex}`, config, size: meta?.size ?? 0, lastTagTime: meta?.lastTagTime, rootfs: path.join(dir, 'rootfs') });
    }
    const repos = readJson<Repositories>(path.join(this.root, 'repositories.json'));
    for (const byRepo of Object.values(repos?.Repositories ?? {})) {
      for (const [ref, id] of Object.entries(byRepo)) if (this.images.has(id)) this.refs.set(ref, id);
    }
  }

  private saveRefs(): void {
    const out: Repositories = { Repositories: {} };
    for (const [ref, id] of this.refs) {
      const repo = ref.slice(0, ref.lastIndexOf(':'));
      (out.Repositories[repo] ??= {})[ref] = id;
    }
    writeJsonAtomic(path.join(this.root, 'repositories.json'), out);
  }

  private saveMeta(img: Image): void {
    writeJsonAtomic(path.join(this.root, img.id.slice(7), 'meta.json'), { size: img.size, lastTagTime: img.lastTagTime });
  }

  list(): Image[] {
    return [...this.images.values()];
  }

  tagsOf(id: string): string[] {
    return [...this.refs].filter(([, v]) => v === id).map(([k]) => k);
  }

  /** Find by reference, full id, or unique id prefix; undefined when none. */
  find(name: string): Image | undefined {
    const full = /^(?:sha256:)?([0-9a-f]{64})$/.exec(name);
    if (full) return this.images.get(`sha256:${full[1]}`);
    const ref = parseReference(name);
    if (ref) {
      const id = this.refs.get(familiar(ref));
      if (id) return this.images.get(id);
    }
    const short = /^(?:sha256:)?([0-9a-f]{1,63})$/.exec(name);
    if (short) {
      const hits = [...this.images.keys()].filter((id) => id.startsWith(`sha256:${short[1]}`));
      if (hits.length === 1) return this.images.get(hits[0]);
    }
    return undefined;
  }

  /** Like find, failing with Docker's `No such image: <ref>` text. */
  get(name: string): Image {
    const img = this.find(name);
    if (!img) throw E.noSuchImage(name);
    return img;
  }

  async importTar(input: Readable, opts: { repo?: string; tag?: string; message?: string; changes?: string[] }): Promise<Image> {
    let ref: Reference | undefined;
    if (opts.repo) {
      const full = opts.tag ? `${opts.repo}:${opts.tag}` : opts.repo;
      ref = parseReference(full);
      if (!ref) throw new DockerError(400, `invalid reference format`);
    }
    const tmp = path.join(this.root, `tmp-${crypto.randomBytes(8).toString('hex')}`);
    try {
      const { diffId, size } = await extractTar(input, path.join(tmp, 'rootfs'));
      const created = new Date().toISOString().replace(/Z$/, '000000Z').replace(/(\.\d{9})\d*Z$/, '$1Z');
      const config: ImageConfig = {
        architecture: 'amd64',
        os: 'linux',
        created,
        comment: opts.message || 'Imported from -',
        docker_version: ENGINE_VERSION,
        config: applyChanges({}, opts.changes ?? []),
        rootfs: { type: 'layers', diff_ids: [diffId] },
        history: [{ created, comment: opts.message || 'Imported from -' }],
      };
      const json = JSON.stringify(config);
      const hex = crypto.createHash('sha256').update(json).digest('hex');
      fs.writeFileSync(path.join(tmp, 'image.json'), json);
      const dir = path.join(this.root, hex);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmp, dir);
      const img: Image = { id: `sha256:${hex}`, config, size, rootfs: path.join(dir, 'rootfs') };
      this.images.set(img.id, img);
      if (ref) this.tag(img, ref);
      else this.saveMeta(img);
      return img;
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  tag(img: Image, ref: Reference): void {
    this.refs.set(familiar(ref), img.id);
    img.lastTagTime = new Date().toISOString();
    this.saveMeta(img);
    this.saveRefs();
  }

  untag(ref: string): void {
    this.refs.delete(ref);
    this.saveRefs();
  }

  deleteImage(img: Image): void {
    for (const r of this.tagsOf(img.id)) this.refs.delete(r);
    this.saveRefs();
    this.images.delete(img.id);
    fs.rmSync(path.join(this.root, img.id.slice(7)), { recursive: true, force: true });
  }
}

/** `docker import --change`: the Dockerfile instructions that only touch the config. */
export function applyChanges(config: Partial<ContainerConfig>, changes: string[]): Partial<ContainerConfig> {
  const out: Partial<ContainerConfig> = { ...config };
  const list = (v: string): string[] => {
    const t = v.trim();
    if (t.startsWith('[')) return JSON.parse(t) as string[];
    return ['/bin/sh', '-c', t];
  };
  for (const ch of changes) {
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(ch);
    if (!m) continue;
    const [, ins, arg] = m;
    switch (ins.toUpperCase()) {
      case 'CMD':
        out.Cmd = list(arg);
        break;
      case 'ENTRYPOINT':
        out.Entrypoint = list(arg);
        break;
      case 'ENV': {
        const kv = arg.includes('=') ? arg.trim() : arg.trim().replace(/\s+/, '=');
        out.Env = [...(out.Env ?? []), kv];
        break;
      }
      case 'WORKDIR':
        out.WorkingDir = arg.trim();
        break;
      case 'USER':
        out.User = arg.trim();
        break;
      case 'STOPSIGNAL':
        out.StopSignal = arg.trim();
        break;
      case 'LABEL': {
        const [k, ...v] = arg.trim().split('=');
        out.Labels = { ...(out.Labels ?? {}), [k]: v.join('=').replace(/^"|"$/g, '') };
        break;
      }
      case 'EXPOSE':
        out.ExposedPorts = { ...(out.ExposedPorts ?? {}) };
        for (const p of arg.trim().split(/\s+/)) out.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
        break;
    }
  }
  return out;
}
