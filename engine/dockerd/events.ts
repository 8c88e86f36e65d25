// The daemon's event log, as `docker events` reads it: every lifecycle step of a container (and
// the network's connect/disconnect) becomes one message with Docker's fields, kept in a ring of the
// last EVENTS_LIMIT for `since` and handed to every live subscriber in the order it happened.
import { EventEmitter } from 'node:events';
import type { Container } from './container-store.js';
import { faultEnabled } from '../../lib/faults.js';

/** dockerd keeps this many past events for `docker events --since` (daemon/events: eventsLimit). */
export const EVENTS_LIMIT = 256;

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

/** events.Message of the Engine API; status, id and from are the deprecated fields of old clients. */
export interface EventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: EventActor;
  scope: string;
  time: number;
  /** int64 nanoseconds: beyond a double's precision, so kept as a bigint and written exactly (eventJson) */
  timeNano: bigint;
}

/** One message as dockerd writes it on the stream: JSON, timeNano with all its digits. */
export function eventJson(m: EventMessage): string {
  // timeNano is the last field: write 0 there, then its real digits
  const json = JSON.stringify({ ...m, timeNano: 0 });
  return `${json.slice(0, -'0}'.length)}${m.timeNano}}`;
}

function nowNano(): bigint {
  // wall clock in ms, sub-millisecond digits from the monotonic clock: ordered within one process
  const ms = BigInt(Date.now());
  return ms * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

export class EventLog {
  private readonly ring: EventMessage[] = [];
  private readonly bus = new EventEmitter<{ event: [EventMessage] }>();
  private lastNano = 0n;

  constructor() {
    // every `docker events` is a listener; there is no sensible bound
    this.bus.setMaxListeners(0);
  }

  log(type: string, action: string, actor: EventActor): EventMessage {
    let t = nowNano();
    if (t <= this.lastNano) t = this.lastNano + 1n; // strictly increasing: `since` never splits a tie
    this.lastNano = t;
    const m: EventMessage = {
      ...(type === 'container' || type === 'image' ? { status: action, id: actor.ID } : {}),
      ...(type === 'container' ? { from: actor.Attributes.image ?? '' } : {}),
      Type: type,
      Action: action,
      Actor: actor,
      scope: 'local',
      time: Number(t / 1_000_000_000n),
      timeNano: t,
    };
    this.ring.push(m);
    if (this.ring.length > EVENTS_LIMIT) this.ring.shift();
    this.bus.emit('event', m);
    return m;
  }

  /**
   * A container's event: its labels, image and name as attributes, then the action's own (exitCode
   * for die, signal for kill), as dockerd's LogContainerEventWithAttributes builds them.
   */
  container(c: Container, action: string, extra: Record<string, string> = {}): EventMessage {
    const attributes: Record<string, string> = { ...(c.rec.Config.Labels ?? {}), ...extra };
    // Fault switch die-event-without-exit-code (lib/faults.ts)
    if (action === 'die' && faultEnabled('die-event-without-exit-code')) delete attributes.exitCode;
    attributes.image = c.rec.Config.Image;
    attributes.name = c.rec.Name.replace(/^\//, '');
    // Go writes a map's keys sorted
    const sorted = Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return this.log('container', action, { ID: c.rec.ID, Attributes: sorted });
  }

  /** The network side of a container's start and exit (Type network, Actor: the network; its driver as type). */
  network(action: 'connect' | 'disconnect', c: Container, networkId: string, networkName: string): EventMessage {
    const driver = networkName === 'none' ? 'null' : networkName === 'host' ? 'host' : 'bridge';
    return this.log('network', action, { ID: networkId, Attributes: { container: c.rec.ID, name: networkName, type: driver } });
  }

  /** The kept events, oldest first. */
  past(): readonly EventMessage[] {
    return this.ring;
  }

  /** Every event from now on; returns the unsubscribe function. */
  subscribe(fn: (m: EventMessage) => void): () => void {
    this.bus.on('event', fn);
    return () => this.bus.off('event', fn);
  }
}
