// containerd's event exchange: every event, whoever publishes it (ref-containerd itself, a client
// through Publish, a shim through Forward), goes to each subscriber whose filters match, as an
// Envelope, in the order published.
import { matches, parseFilters, type Filter } from './filters.js';
import type { AnyValue } from '../../api/any.js';
import type { TimestampValue } from '../../api/timestamp.js';
import { nowNs } from '../../api/clock.js';
import { faultEnabled } from '../../lib/faults.js';

export interface Envelope {
  timestamp: TimestampValue;
  namespace: string;
  topic: string;
  event: AnyValue;
}

interface Subscriber {
  filters: Filter[];
  send: (e: Envelope) => void;
}

export class InvalidTopicError extends Error {
  readonly grpcCode = 3;
}

/** containerd's rule: a topic is a path of at least one component, starting with a slash. */
export function validateTopic(topic: string): void {
  if (!topic.startsWith('/') || topic.length < 2 || topic.endsWith('/')) {
    throw new InvalidTopicError(`must start with '/' and have a component: ${JSON.stringify(topic)}: invalid argument`);
  }
}

export function stamp(): TimestampValue {
  const ns = nowNs();
  return { seconds: Number(ns / 1_000_000_000n), nanos: Number(ns % 1_000_000_000n) };
}

export class EventExchange {
  private readonly subscribers = new Set<Subscriber>();

  /** Subscribe with containerd filters (throws on a bad one); returns the unsubscribe function. */
  subscribe(filters: readonly string[], send: (e: Envelope) => void): () => void {
    const s: Subscriber = { filters: parseFilters(filters), send };
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  publish(e: Envelope): void {
    // Fault switch events-not-forwarded (lib/faults.ts): task exits never reach subscribers, so a
    // client waiting for a container to stop waits forever.
    if (e.topic === '/tasks/exit' && faultEnabled('events-not-forwarded')) return;
    for (const s of this.subscribers) {
      if (matches(s.filters, (p) => field(e, p))) s.send(e);
    }
  }
}

function field(e: Envelope, p: string[]): string | undefined {
  if (p.length !== 1) return undefined;
  if (p[0] === 'namespace') return e.namespace;
  if (p[0] === 'topic') return e.topic;
  return undefined;
}
