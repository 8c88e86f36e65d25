import type { CommandArgs, RuntimeContext } from '../context.js';
import { flagSet, flagString } from '../context.js';

/** `list [--format table|json] [-q]`, columns as runc's tabwriter prints them. */
export function list(ctx: RuntimeContext, args: CommandArgs): number {
  const states = ctx.store.ids().map((id) => ctx.store.ociState(ctx.store.load(id)));
  if (flagSet(args, 'quiet', 'q')) {
    for (const s of states) process.stdout.write(`${s.id}\n`);
    return 0;
  }
  if ((flagString(args, 'format', 'f') ?? 'table') === 'json') {
    process.stdout.write(`${JSON.stringify(states)}\n`);
    return 0;
  }
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner])];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  for (const row of rows)
    process.stdout.write(`${row.map((cell, col) => (col < row.length - 1 ? cell.padEnd(Math.max(widths[col]! + 2, 12)) : cell)).join('')}\n`);
  return 0;
}
