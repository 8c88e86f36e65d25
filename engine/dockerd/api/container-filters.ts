// The filters of GET /containers/json (`docker ps --filter`): the keys and statuses dockerd 20.10
// accepts, and which of them the reference applies.
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import { DockerError } from '../errors.js';
import { networkName } from './container-views.js';

const FILTER_KEYS = ['status', 'name', 'id', 'label', 'exited', 'ancestor', 'network', 'before', 'since', 'volume', 'health', 'is-task', 'publish', 'expose'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** Bad filters fail even when no container would be tested against them. */
export function checkFilters(f: Record<string, string[]>): void {
  for (const key of Object.keys(f)) if (!FILTER_KEYS.includes(key)) throw new DockerError(400, `Invalid filter '${key}'`);
  for (const v of f.status ?? []) if (!STATUSES.includes(v)) throw new DockerError(400, `Invalid filter 'status=${v}'`);
}

/** Filters that name a state list stopped containers without --all. */
export function includesStopped(f: Record<string, string[]>): boolean {
  return Boolean(f.status?.length) || Boolean(f.exited?.length);
}

export function matchFilters(d: Daemon, c: Container, f: Record<string, string[]>): boolean {
  const { rec } = c;
  for (const [key, values] of Object.entries(f)) {
    if (!values.length) continue;
    const any = (pred: (v: string) => boolean) => values.some(pred);
    switch (key) {
      case 'status':
        if (!any((v) => v === rec.State.Status)) return false;
        break;
      case 'name':
        if (!any((v) => new RegExp(v).test(rec.Name) || new RegExp(v).test(rec.Name.slice(1)))) return false;
        break;
      case 'id':
        if (!any((v) => rec.ID.startsWith(v))) return false;
        break;
      case 'label':
        if (
          !values.every((v) => {
            const eq = v.indexOf('=');
            const k = eq < 0 ? v : v.slice(0, eq);
            if (!(k in (rec.Config.Labels ?? {}))) return false;
            return eq < 0 || rec.Config.Labels[k] === v.slice(eq + 1);
          })
        )
          return false;
        break;
      case 'exited':
        if (rec.State.Status !== 'exited' || !any((v) => Number(v) === rec.State.ExitCode)) return false;
        break;
      case 'ancestor':
        if (!any((v) => d.images.find(v)?.id === rec.Image)) return false;
        break;
      case 'network':
        if (!any((v) => v === networkName(c))) return false;
        break;
      default:
        // accepted, not applied (before, since, volume, health, publish, expose)
        break;
    }
  }
  return true;
}
