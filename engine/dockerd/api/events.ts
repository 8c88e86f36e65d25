// GET /events: the kept events between `since` and `until`, then (unless `until` is already past)
// every new one as it happens, one JSON message per line, until `until` or the client leaves. The
// filters select as dockerd's events filter does: exact for type and event, by id or name prefix
// for container, network and image, key or key=value for label.
import type { Router } from './router.js';
import type { Daemon } from '../daemon.js';
import { DockerError } from '../errors.js';
import { parseFilters } from './filters.js';
import { eventJson, type EventMessage } from '../events.js';

/** "seconds[.fraction]" as the CLI sends it (timetypes.ParseTimestamps) → nanoseconds; undefined when absent. */
export function parseEventTime(name: string, raw: string | null): bigint | undefined {
  if (raw === null || raw === '') return undefined;
  const [secs, frac] = raw.split('.', 2) as [string, string | undefined];
  // dockerd answers Go's strconv error for the part that is no number, as a 500
  for (const part of [secs, frac]) {
    if (part !== undefined && !/^[-+]?\d+$/.test(part)) throw new DockerError(500, `strconv.ParseInt: parsing ${JSON.stringify(part)}: invalid syntax`);
  }
  const nanos = (frac ?? '').replace(/^[-+]/, '').slice(0, 9).padEnd(9, '0');
  return BigInt(secs) * 1_000_000_000n + BigInt(nanos);
}

const exact = (values: string[] | undefined, v: string) => !values?.length || values.includes(v);
const fuzzy = (values: string[] | undefined, ...sources: Array<string | undefined>) =>
  !values?.length || values.some((f) => sources.some((s) => s !== undefined && (s === f || s.startsWith(f))));

/** Whether one message passes the filters (daemon/events/filter.go's Include, for the keys we emit). */
export function includeEvent(f: Record<string, string[]>, m: EventMessage): boolean {
  const attrs = m.Actor.Attributes;
  // exec_create/exec_start carry the command after a colon: a bare name matches them by prefix
  const events = f.event;
  const eventOk = events?.some((e) => ['exec_create', 'exec_start', 'health_status'].includes(e)) ? fuzzy(events, m.Action) : exact(events, m.Action);
  const labelsOk = (f.label ?? []).every((l) => {
    const eq = l.indexOf('=');
    return eq < 0 ? l in attrs : attrs[l.slice(0, eq)] === l.slice(eq + 1);
  });
  const imageOk =
    !f.image?.length ||
    f.image.some((i) => {
      const img = m.Type === 'image' ? m.Actor.ID : attrs.image;
      return img !== undefined && (img === i || img.replace(/:latest$/, '') === i.replace(/:latest$/, '') || img.startsWith(i));
    });
  return (
    eventOk &&
    exact(f.type, m.Type) &&
    exact(f.scope, m.scope) &&
    fuzzy(f.container, m.Actor.ID, attrs.name) &&
    fuzzy(f.network, m.Type === 'network' ? m.Actor.ID : undefined, m.Type === 'network' ? attrs.name : undefined) &&
    imageOk &&
    labelsOk
  );
}

export function eventRoutes(r: Router, d: Daemon): void {
  r.add('GET', '/events', (ctx) => {
    const since = parseEventTime('since', ctx.query.get('since'));
    const until = parseEventTime('until', ctx.query.get('until'));
    if (until !== undefined && since !== undefined && until < since) {
      throw new DockerError(400, `\`since\` time (${ctx.query.get('since')}) cannot be after \`until\` time (${ctx.query.get('until')})`);
    }
    const f = parseFilters(ctx.query.get('filters'));
    const now = BigInt(Date.now()) * 1_000_000n;
    const onlyPast = until !== undefined && until < now;
    const res = ctx.stream(200, 'application/json');
    const send = (m: EventMessage) => {
      if (includeEvent(f, m)) res.write(eventJson(m) + '\n');
    };
    // dockerd replays nothing unless since or until is given
    if (since !== undefined || until !== undefined) {
      for (const m of d.events.past()) {
        const t = m.timeNano;
        if ((since === undefined || t >= since) && (until === undefined || t <= until)) send(m);
      }
    }
    if (onlyPast) {
      res.end();
      return;
    }
    const unsubscribe = d.events.subscribe(send);
    const timer = until !== undefined ? setTimeout(() => finish(), Number((until - now) / 1_000_000n)) : undefined;
    const finish = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      if (!res.writableEnded) res.end();
    };
    ctx.req.on('close', finish);
    res.on('close', finish);
  });
}
