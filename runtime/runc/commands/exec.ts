// `exec --process <json> [--detach] [--pid-file f] [--console-socket s] <id>`, or
// `exec [-t] [--cwd d] [-e K=V] [-u uid[:gid]] <id> cmd args…`: a new process that joins the
// container's namespaces and cgroups. Detached, this command exits once the process runs and the
// process is re-parented to the caller's subreaper; attached, it waits and passes on the exit code.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandArgs, RuntimeContext } from '../context.js';
import { flagSet, flagString } from '../context.js';
import type { OciProcess } from '../spec.js';
import { RuntimeError, checkTerminal, errors } from '../errors.js';
import { execPlan } from '../plan.js';
import { runNative } from '../native.js';

function processFromFlags(args: CommandArgs, command: string[]): OciProcess {
  const user = flagString(args, 'user', 'u') ?? '0:0';
  const [uid, gid] = user.split(':');
  const env: string[] = [];
  for (const [name, value] of args.ordered) if ((name === 'env' || name === 'e') && typeof value === 'string') env.push(value);
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  return {
    terminal: flagSet(args, 'tty', 't'),
    user: { uid: Number(uid ?? 0), gid: Number(gid ?? 0) },
    args: command,
    env,
    cwd: flagString(args, 'cwd') ?? '/',
  };
}

export function exec(ctx: RuntimeContext, args: CommandArgs): number {
  const [id, ...command] = args.positionals;
  if (!id) throw errors.missingId('exec');
  const record = ctx.store.load(id);
  if (ctx.store.status(record) === 'stopped') throw errors.execStopped();
  const processFile = flagString(args, 'process', 'p');
  let proc: OciProcess;
  if (processFile) proc = JSON.parse(readFileSync(processFile, 'utf8')) as OciProcess;
  else if (command.length > 0) proc = processFromFlags(args, command);
  else throw new RuntimeError('exec: either --process or a command is required');
  const consoleSocket = flagString(args, 'console-socket');
  checkTerminal(proc.terminal, consoleSocket);
  const pidFile = flagString(args, 'pid-file');
  const detach = flagSet(args, 'detach', 'd');
  const plan = execPlan({
    pid: record.pid,
    namespaces: record.namespaces,
    cgroupDirs: record.cgroupPaths,
    process: proc,
    containerCaps: record.capabilities,
    pidFile: pidFile ? resolve(pidFile) : undefined,
    consoleSocket: consoleSocket ? resolve(consoleSocket) : undefined,
    detach,
    seccomp: record.seccomp,
  });
  try {
    const outcome = runNative(plan);
    return detach ? 0 : outcome.status;
  } catch (err) {
    if (err instanceof RuntimeError && !err.message.startsWith('exec failed:'))
      throw new RuntimeError(`exec failed: unable to start container process: ${err.message}`);
    throw err;
  }
}
