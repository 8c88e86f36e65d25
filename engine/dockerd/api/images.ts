// Image endpoints: import (POST /images/create?fromSrc=-), list, inspect, tag, remove, with the
// response shapes and conflict texts of dockerd 20.10.24.
import type { Router } from './router.js';
import type { Daemon } from '../daemon.js';
import type { Image } from '../image-store.js';
import { parseReference, familiar } from '../reference.js';
import { DockerError } from '../errors.js';
import * as E from '../errors.js';
import { ENGINE_VERSION } from '../version.js';
import { logger } from '../log.js';
import { checkReferenceCase } from './go-json.js';
import { parseFilters } from './filters.js';

function emptyConfig(c: Partial<Record<string, unknown>> = {}) {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: null,
    Image: '',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: null,
    ...c,
  };
}

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export function imageInspectJson(d: Daemon, img: Image) {
  return {
    Id: img.id,
    RepoTags: d.images.tagsOf(img.id),
    RepoDigests: [],
    Parent: '',
    Comment: img.config.comment ?? '',
    Created: img.config.created,
    Container: '',
    ContainerConfig: emptyConfig(),
    DockerVersion: ENGINE_VERSION,
    Author: '',
    Config: emptyConfig(img.config.config as Record<string, unknown>),
    Architecture: img.config.architecture,
    Os: img.config.os,
    Size: img.size,
    VirtualSize: img.size,
    GraphDriver: { Data: { MergedDir: img.rootfs, UpperDir: img.rootfs, WorkDir: img.rootfs }, Name: 'overlay2' },
    RootFS: { Type: 'layers', Layers: img.config.rootfs.diff_ids },
    Metadata: { LastTagTime: img.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
}

export function imageRoutes(r: Router, d: Daemon): void {
  r.add('POST', '/images/create', async (ctx) => {
    const fromSrc = ctx.query.get('fromSrc');
    const fromImage = ctx.query.get('fromImage');
    if (fromSrc === null) {
      // there is no registry in the reference engine: say so the way a failed pull does
      const name = fromImage ?? '';
      const ref = parseReference(ctx.query.get('tag') ? `${name}:${ctx.query.get('tag')}` : name);
      throw new DockerError(404, `pull access denied for ${ref?.repo ?? name}, repository does not exist or may require 'docker login': denied: the reference engine has no registry`);
    }
    const repo = ctx.query.get('repo');
    if (repo) checkReferenceCase(repo);
    if (fromSrc !== '-') throw new DockerError(400, 'only imports from the request body (fromSrc=-) are supported');
    // an archive dockerd refuses (UnsafeTarError) carries its own status and text
    const img: Image = await d.images.importTar(ctx.req, {
      repo: repo ?? undefined,
      tag: ctx.query.get('tag') ?? undefined,
      message: ctx.query.get('message') ?? undefined,
      changes: ctx.query.getAll('changes'),
    });
    logger.info('image imported', { image: img.id });
    const res = ctx.stream(200, 'application/json');
    res.end(JSON.stringify({ status: img.id }) + '\r\n');
  });

  r.add('GET', '/images/json', (ctx) => {
    const filters = parseFilters(ctx.query.get('filters'));
    const wantRef = filters.reference ?? (ctx.query.get('filter') ? [ctx.query.get('filter')!] : []);
    const list = d.images
      .list()
      .filter((img) => {
        if (filters.dangling?.includes('true') && d.images.tagsOf(img.id).length) return false;
        if (!wantRef.length) return true;
        return d.images.tagsOf(img.id).some((t) => wantRef.some((w) => globMatch(w, t) || globMatch(w, t.replace(/:latest$/, ''))));
      })
      .sort((a, b) => (a.config.created < b.config.created ? 1 : -1))
      .map((img) => {
        const tags = d.images.tagsOf(img.id);
        return {
          Containers: -1,
          Created: unix(img.config.created),
          Id: img.id,
          Labels: img.config.config.Labels ?? null,
          ParentId: '',
          RepoDigests: tags.length ? [] : ['<none>@<none>'],
          RepoTags: tags.length ? tags : ['<none>:<none>'],
          SharedSize: -1,
          Size: img.size,
          VirtualSize: img.size,
        };
      });
    ctx.sendJson(200, list);
  });

  r.add('GET', '/images/{name*}/json', (ctx) => {
    const img = d.images.find(ctx.params.name);
    if (!img) throw E.noSuchImageInspect(ctx.params.name);
    ctx.sendJson(200, imageInspectJson(d, img));
  });

  r.add('POST', '/images/{name*}/tag', (ctx) => {
    const img = d.images.get(ctx.params.name);
    const repo = ctx.query.get('repo') ?? '';
    const tag = ctx.query.get('tag') ?? '';
    const ref = parseReference(tag ? `${repo}:${tag}` : repo);
    if (!ref) throw new DockerError(400, 'invalid reference format');
    d.images.tag(img, ref);
    ctx.noContent(201);
  });

  r.add('DELETE', '/images/{name*}', (ctx) => {
    const name = ctx.params.name;
    const force = ctx.bool('force');
    const img = d.images.find(name);
    if (!img) throw E.noSuchImage(name);
    const ref = parseReference(name);
    const byRef = ref && d.images.tagsOf(img.id).includes(familiar(ref)) && !/^(sha256:)?[0-9a-f]{12,64}$/.test(name) ? familiar(ref) : undefined;
    const tags = d.images.tagsOf(img.id);
    const users = d.containers.list().filter((c) => c.rec.Image === img.id);
    const out: Array<Record<string, string>> = [];
    if (byRef && tags.length > 1) {
      d.images.untag(byRef);
      ctx.sendJson(200, [{ Untagged: byRef }]);
      return;
    }
    if (!byRef && tags.length > 1 && !force) throw E.imageMultipleRefs(img.id);
    if (users.length && !force) {
      if (byRef) throw E.imageInUse(name, users[0].rec.ID, img.id);
      throw E.imageInUseById(img.id, users[0].rec.ID, users[0].rec.State.Running);
    }
    for (const t of tags) out.push({ Untagged: t });
    if (users.length) {
      // forced while containers use it: Docker only untags
      for (const t of tags) d.images.untag(t);
    } else {
      d.images.deleteImage(img);
      out.push({ Deleted: img.id });
    }
    ctx.sendJson(200, out);
  });
}

function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.') + '$');
  return re.test(s);
}
