// The dockspec command line. Each command declares its usage and options in its own module
// (cli/command.ts says how); this file only registers them. Exit codes scripts can rely on:
//   0    everything selected passed (or was an expected deviation)
//   1    a scenario failed, or a requirement is missing (doctor), or install-deps failed
//   2    the command line was wrong
//   130  interrupted (Ctrl-C, SIGTERM)
import { Command, UsageError, parseCommandArgs } from './command.js';
import { dockspecVersion } from './project.js';
import { command as run } from './run.js';
import { command as list } from './list.js';
import { command as doctor } from './doctor.js';
import { command as installDeps } from './install-deps.js';
import { command as report } from './report.js';
import { command as mutate } from './mutate.js';
import { command as soak } from './soak.js';
import { command as vm } from './vm.js';

const COMMANDS: Command[] = [run, list, doctor, installDeps, report, mutate, soak, vm];

const EXIT_CODES = `Exit codes: 0 all selected scenarios passed (or were expected deviations); 1 failures or
missing requirements; 2 usage error; 130 interrupted.
`;

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `dockspec: Docker's process architecture as executable scenarios

Usage: dockspec COMMAND [OPTIONS]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

  dockspec help COMMAND    the command's options
  dockspec --version       the version of dockspec

${EXIT_CODES}`;
}

function commandHelp(c: Command): string {
  return `Usage:\n${c.usage}`;
}

function usageFailure(message: string, c?: Command): number {
  process.stderr.write(`dockspec: ${message}\n\n${c ? commandHelp(c) : overview()}`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(overview());
    return 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`dockspec ${dockspecVersion()}\n`);
    return 0;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    if (!rest.length) {
      process.stdout.write(overview());
      return 0;
    }
    const c = COMMANDS.find((x) => x.name === rest[0]);
    if (!c) return usageFailure(`no help for "${rest[0]}": unknown command`);
    process.stdout.write(commandHelp(c));
    return 0;
  }
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) return usageFailure(`unknown command "${name}"`);
  try {
    const args = parseCommandArgs(c, rest);
    if (args.help) {
      process.stdout.write(commandHelp(c));
      return 0;
    }
    return await c.run(args);
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(err.message, c);
    throw err;
  }
}
