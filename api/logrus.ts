// Log lines in logrus's text format, as dockerd and containerd write them, so that one grep works
// on both engines' logs: time="…" level=info msg="…" key=value.
import { rfc3339Nano } from './clock.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'fatal';
const rank: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3, fatal: 4 };

export type LogFields = Record<string, string | number | boolean | undefined>;

/** logrus quotes a value only when it holds characters outside [A-Za-z0-9-._/@^+]. */
function quote(value: string): string {
  return /^[A-Za-z0-9\-._/@^+]+$/.test(value) ? value : JSON.stringify(value);
}

export function formatLine(level: LogLevel, msg: string, fields: LogFields = {}, time = rfc3339Nano()): string {
  let line = `time="${time}" level=${level} msg=${JSON.stringify(msg)}`;
  for (const key of Object.keys(fields).sort()) {
    const v = fields[key];
    if (v !== undefined) line += ` ${key}=${quote(String(v))}`;
  }
  return line + '\n';
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function parseLogLevel(s: string | undefined): LogLevel {
  if (s === 'warn') return 'warning';
  if (s && s in rank) return s as LogLevel;
  return 'info';
}

export function createLogger(write: (line: string) => void, min: LogLevel = 'info', base: LogFields = {}): Logger {
  const emit = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (rank[level] >= rank[min]) write(formatLine(level, msg, { ...base, ...fields }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warning'), error: emit('error') };
}
