// POST /containers/{id}/rename: a new name for the record, refused when another container has it.
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import * as E from '../errors.js';

export function renameContainer(d: Daemon, c: Container, name: string): void {
  const n = name.startsWith('/') ? name : `/${name}`;
  const holder = d.containers.byName(n);
  if (holder && holder !== c) throw E.nameConflict(n, holder.rec.ID);
  c.rec.Name = n;
  d.containers.save(c);
}
