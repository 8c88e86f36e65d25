// The json-file log driver: one JSON object per line ({"log","stream","time"}) in
// <data-root>/containers/<id>/<id>-json.log, as dockerd writes it, so `docker logs` works after a
// daemon restart. Lines split at '\n'; a partial line is written when the stream ends.
import fs from 'node:fs';
import { EventEmitter } from 'node:events';
import { nowRfc3339Nano } from './container.js';

export interface LogEntry {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

export class JsonFileLogger extends EventEmitter {
  private fd: number;
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  closed = false;

  constructor(readonly file: string) {
    super();
    this.fd = fs.openSync(file, 'a', 0o640);
  }

  write(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.closed) return;
    let text = this.partial[stream] + chunk.toString('utf8');
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      this.emitEntry({ log: text.slice(0, nl + 1), stream, time: nowRfc3339Nano() });
      text = text.slice(nl + 1);
    }
    // Docker flushes a partial line once its buffer (16 KiB) is full
    if (text.length >= 16384) {
      this.emitEntry({ log: text, stream, time: nowRfc3339Nano() });
      text = '';
    }
    this.partial[stream] = text;
  }

  flush(stream: 'stdout' | 'stderr'): void {
    if (this.partial[stream]) this.emitEntry({ log: this.partial[stream], stream, time: nowRfc3339Nano() });
    this.partial[stream] = '';
  }

  private emitEntry(e: LogEntry): void {
    fs.writeSync(this.fd, JSON.stringify(e) + '\n');
    this.emit('entry', e);
  }

  close(): void {
    if (this.closed) return;
    this.flush('stdout');
    this.flush('stderr');
    this.closed = true;
    fs.closeSync(this.fd);
    this.emit('close');
  }
}

export function readLogFile(file: string): LogEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // a line torn by a crash is skipped, as dockerd's decoder skips it
    }
  }
  return out;
}
