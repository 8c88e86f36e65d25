import { constants } from 'node:os';
import { errors } from './errors.js';

/** runc's signal syntax: a number, or a name with or without "SIG", in any case. */
export function parseSignal(raw: string): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  let name = raw.toUpperCase();
  if (!name.startsWith('SIG')) name = `SIG${name}`;
  const signal = (constants.signals as Record<string, number>)[name];
  if (signal === undefined) throw errors.unknownSignal(raw);
  return signal;
}
