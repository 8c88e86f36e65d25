// dockerd's logrus text format on stderr: `time="…" level=info msg="…" key=value`, one line per
// event. Timestamps carry nanoseconds like Go's RFC3339Nano (padded: JS only has microseconds).

const LEVELS = ['debug', 'info', 'warning', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];

let threshold = 1;

export function setLogLevel(level: string): void {
  const i = LEVELS.indexOf((level === 'warn' ? 'warning' : level) as Level);
  threshold = i < 0 ? 1 : i;
}

export function nanoTimestamp(d = new Date()): string {
  const iso = d.toISOString(); // 2026-11-28T07:33:12.803Z
  const sub = String(Number(process.hrtime.bigint() % 1000000n)).padStart(6, '0');
  return `${iso.slice(0, 23)}${sub}Z`;
}

function quote(v: string): string {
  // logrus quotes unless the value is made of these characters only
  return v !== '' && /^[a-zA-Z0-9\-._/@^+]+$/.test(v) ? v : JSON.stringify(v);
}

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (LEVELS.indexOf(level) < threshold) return;
  let line = `time="${nanoTimestamp()}" level=${level} msg=${quote(msg)}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    line += ` ${k}=${quote(v instanceof Error ? v.message : String(v))}`;
  }
  process.stderr.write(line + '\n');
}

export const logger = {
  debug: (msg: string, f?: Record<string, unknown>) => log('debug', msg, f),
  info: (msg: string, f?: Record<string, unknown>) => log('info', msg, f),
  warn: (msg: string, f?: Record<string, unknown>) => log('warning', msg, f),
  error: (msg: string, f?: Record<string, unknown>) => log('error', msg, f),
};
