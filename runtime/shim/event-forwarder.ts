// Events leave the shim the way containerd 1.6 takes them: ttrpc
// containerd.services.events.ttrpc.v1.Events/Forward on TTRPC_ADDRESS, one envelope each, in the
// order they happened. A containerd that is down gets the runc shim's retries, the n-th after n
// seconds, five of them (about 15 s in all), so that an exit during a short outage reaches the
// restarted containerd, once: containerd does not announce it again itself. After that the event
// is dropped (as the runc shim drops it): the exit survives in the shim's state, which a restarted
// containerd reads through State and Wait.
import { TtrpcClient } from '../../api/ttrpc/client.js';
import { packMessage } from '../../api/any.js';
import { toTimestamp } from '../../api/timestamp.js';
import { rfc3339Nano } from '../../api/clock.js';
import type { Logger } from '../../api/logrus.js';

const EVENTS_SERVICE = 'containerd.services.events.ttrpc.v1.Events';
/** the metadata key ttrpc clients of containerd carry the namespace in */
export const NAMESPACE_HEADER = 'containerd-namespace-ttrpc';
/** the first try and five retries */
const ATTEMPTS = 6;
const RETRY_STEP_MS = 1_000;
const CALL_TIMEOUT_MS = 5_000;

interface Pending {
  topic: string;
  type: string;
  event: object;
  at: string;
}

export class EventForwarder {
  private readonly queue: Pending[] = [];
  private client?: TtrpcClient;
  private draining = false;
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly namespace: string,
    private readonly log: Logger,
  ) {}

  publish(topic: string, type: string, event: object): void {
    if (this.closed) return;
    this.queue.push({ topic, type, event, at: rfc3339Nano() });
    void this.drain();
  }

  /** Resolves once every queued event was sent or given up on. */
  async flush(): Promise<void> {
    while (this.draining || this.queue.length) await new Promise((r) => setTimeout(r, 5));
  }

  close(): void {
    this.closed = true;
    this.client?.close();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length) {
        const e = this.queue[0]!;
        await this.send(e);
        this.queue.shift();
      }
    } finally {
      this.draining = false;
    }
  }

  private async send(e: Pending): Promise<void> {
    const request = {
      envelope: { timestamp: toTimestamp(e.at), namespace: this.namespace, topic: e.topic, event: packMessage(e.type, e.event) },
    };
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        if (!this.client || this.client.isClosed) this.client = await TtrpcClient.connect(this.address, CALL_TIMEOUT_MS);
        await this.client.callTyped(EVENTS_SERVICE, 'Forward', request, { metadata: { [NAMESPACE_HEADER]: this.namespace }, timeoutMs: CALL_TIMEOUT_MS });
        this.log.debug('event forwarded', { topic: e.topic });
        return;
      } catch (err) {
        this.client?.close();
        this.client = undefined;
        if (this.closed) return;
        if (attempt === ATTEMPTS) {
          this.log.error('post event', { topic: e.topic, error: (err as Error).message });
          return;
        }
        await new Promise((r) => setTimeout(r, RETRY_STEP_MS * attempt));
      }
    }
  }
}
