import type { RuntimeLog } from './log.js';
import type { StateStore } from './state-store.js';

/** What every command gets from the global flags. */
export interface RuntimeContext {
  store: StateStore;
  log: RuntimeLog;
  systemdCgroup: boolean;
}

/** A command's own flags (name → value, `true` for a switch) and its positional arguments. */
export interface CommandArgs {
  flags: Map<string, string | true>;
  /** Every flag in order, for the repeatable ones such as exec's `--env`. */
  ordered: Array<[string, string | true]>;
  positionals: string[];
}

export function flagString(args: CommandArgs, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = args.flags.get(name);
    if (typeof value === 'string') return value;
  }
  return undefined;
}

export function flagSet(args: CommandArgs, ...names: string[]): boolean {
  return names.some((name) => args.flags.has(name));
}
