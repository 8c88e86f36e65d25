// ref-runc's command line, as runc's: global flags, a command, the command's flags, then its
// positional arguments (flags stop at the first positional, so `exec <id> ls -l` keeps "-l").
import type { CommandArgs, RuntimeContext } from './context.js';
import { RuntimeLog } from './log.js';
import type { LogFormat } from './log.js';
import { StateStore } from './state-store.js';
import { RuntimeError } from './errors.js';
import { versionText } from './version.js';
import { GoFlagError, parseGoFlags, type GoFlags } from '../../lib/go-flag.js';
export const DEFAULT_ROOT = '/run/ref-runc';

type CommandRun = (ctx: RuntimeContext, args: CommandArgs) => number;

interface CommandSpec {
  /** Loaded on demand: each invocation runs one command, and Node compiles only what it imports. */
  load: () => Promise<CommandRun>;
  /** Flags that take a value; every other flag is a switch. */
  valued: string[];
}

const commands: Record<string, CommandSpec> = {
  create: { load: async () => (await import('./commands/create.js')).create, valued: ['bundle', 'b', 'pid-file', 'console-socket', 'preserve-fds'] },
  start: { load: async () => (await import('./commands/start.js')).start, valued: [] },
  state: { load: async () => (await import('./commands/state.js')).state, valued: [] },
  kill: { load: async () => (await import('./commands/kill.js')).kill, valued: [] },
  delete: { load: async () => (await import('./commands/delete.js')).deleteContainer, valued: [] },
  exec: {
    load: async () => (await import('./commands/exec.js')).exec,
    valued: ['process', 'p', 'pid-file', 'console-socket', 'cwd', 'env', 'e', 'user', 'u', 'additional-gids', 'g',
      'process-label', 'apparmor', 'cap', 'c', 'preserve-fds', 'cgroup'],
  },
  list: { load: async () => (await import('./commands/list.js')).list, valued: ['format', 'f'] },
  ps: { load: async () => (await import('./commands/ps.js')).ps, valued: ['format', 'f'] },
  pause: { load: async () => (await import('./commands/pause.js')).pause, valued: [] },
  resume: { load: async () => (await import('./commands/pause.js')).resume, valued: [] },
  update: { load: async () => (await import('./commands/update.js')).update, valued: ['resources', 'r'] },
  features: { load: async () => (await import('./commands/features.js')).features, valued: [] },
};

const GLOBAL_VALUED = ['root', 'log', 'log-format', 'criu', 'rootless'];

const USAGE = `ref-runc: the dockspec reference OCI runtime, with runc's command line

usage: ref-runc [--root dir] [--log file] [--log-format text|json] [--systemd-cgroup] [--debug] COMMAND [flags] ID

commands: create, start, state, kill, delete, exec, list, ps, pause, resume, update, features
`;

/** Parses flags (Go's syntax, lib/go-flag.ts) up to the first positional argument; undeclared ones are taken too. */
export function parseFlags(argv: string[], valued: string[]): CommandArgs & { rest: string[] } {
  let parsed: GoFlags;
  try {
    parsed = parseGoFlags(argv, { valued, undeclared: 'accept' });
  } catch (err) {
    throw err instanceof GoFlagError ? new RuntimeError(err.message) : err;
  }
  return { flags: new Map(parsed.ordered), ordered: parsed.ordered, positionals: parsed.args, rest: parsed.args };
}

export async function main(argv: string[]): Promise<number> {
  let global: ReturnType<typeof parseFlags>;
  try {
    global = parseFlags(argv, GLOBAL_VALUED);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  const g = global.flags;
  const logFile = typeof g.get('log') === 'string' ? (g.get('log') as string) : undefined;
  const format: LogFormat = g.get('log-format') === 'json' ? 'json' : 'text';
  const log = new RuntimeLog(logFile, format, g.has('debug'));
  if (g.has('version') || g.has('v')) {
    process.stdout.write(versionText());
    return 0;
  }
  const [name, ...rest] = global.rest;
  if (g.has('help') || g.has('h') || !name || name === 'help') {
    process.stdout.write(USAGE);
    return name || g.has('help') || g.has('h') ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    log.fatal(`No help topic for '${name}'`);
    return 1;
  }
  const root = typeof g.get('root') === 'string' ? (g.get('root') as string) : DEFAULT_ROOT;
  const ctx: RuntimeContext = { store: new StateStore(root), log, systemdCgroup: g.has('systemd-cgroup') };
  try {
    const run = await command.load();
    return run(ctx, parseFlags(rest, command.valued));
  } catch (err) {
    log.fatal(err instanceof RuntimeError ? err.message : String((err as Error).stack ?? err));
    return 1;
  }
}
