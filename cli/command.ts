// What a dockspec command is: its name, its usage text and the options it takes, declared in the
// command's own module. main.ts only registers commands, so a new command is one module and one
// line there. Options are parsed strictly per command: a flag that a command does not take is a
// usage error (exit 2) with that command's usage, never silently ignored.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** what follows `--`, for commands that pass it on (run → cucumber-js) */
  passThrough: string[];
}

export interface Command {
  name: string;
  /** one line for `dockspec help` */
  summary: string;
  /** the synopsis and the explanation, as `dockspec help NAME` prints them */
  usage: string;
  options: Options;
  /** takes FILES… or other operands */
  positionals?: boolean;
  /** takes `-- ARGS` to pass on */
  passThrough?: boolean;
  run(args: ParsedArgs): Promise<number> | number;
}

/** A wrong command line: main.ts prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {}

export function usageError(message: string): never {
  throw new UsageError(message);
}

const HELP_OPTION: Options = { help: { type: 'boolean', short: 'h' } };

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs & { help: boolean } {
  const dashdash = command.passThrough ? argv.indexOf('--') : -1;
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const passThrough = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  let parsed;
  try {
    parsed = parseArgs({ args: own, options: { ...command.options, ...HELP_OPTION }, allowPositionals: Boolean(command.positionals), strict: true });
  } catch (err) {
    // node:util's messages name the flag ("Unknown option '--bogus'"); drop its generic advice.
    usageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { help, ...values } = parsed.values as Record<string, string | boolean | string[] | undefined>;
  return { values, positionals: parsed.positionals, passThrough, help: Boolean(help) };
}

/** A whole number >= 1 from a flag or its environment default. */
export function positiveInt(flag: string, value: unknown, fallback: number): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1) usageError(`--${flag} wants a positive whole number, got "${String(value)}"`);
  return n;
}
