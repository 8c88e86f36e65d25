// Phrases about the OCI runtime (runc) that the shim calls.
// Glossary:
//   no {role} process is left in the engine's process tree     sampled for one second (a runtime
//                                               that lingers, even briefly after start, is caught)
//   the "LABEL" line of its output lists "WORD"  a line "LABEL: a b c" of the last command's stdout
//                                               has WORD among its space-separated values
//   a runtime wrapper <name> that records its arguments
//                     a shell script in the engine's directory that appends its command line to a
//                     file and then execs the target's runtime (binaryPath('runc')); sets <name>
//                     to the script's path and <name_log> to the file
//   the wrapper <name> recorded the commands "create, start"  the runtime subcommands it was called
//                                               with include these, in this order (other calls,
//                                               such as state, may come between)
//   the wrapper <name> recorded no command
import { Given, Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockspecWorld } from './support/world.js';
import { Role } from '../harness/targets/types.js';
import { describeProcess } from './support/processes.js';
import { preparedEngine } from './support/engine-control.js';
import { throughout } from '../harness/run-command.js';

/** runc's subcommands; the first argument that is one of them is the command of the call. */
const RUNTIME_COMMANDS = new Set(['checkpoint', 'create', 'delete', 'events', 'exec', 'features', 'init', 'kill', 'list', 'pause', 'ps', 'restore', 'resume', 'run', 'spec', 'start', 'state', 'update']);

function placeholderName(text: string): string {
  const m = /^<([a-z][a-z0-9_]*)>$/.exec(text);
  if (!m) throw new Error(`expected a placeholder such as <logrunc>, got ${text}`);
  return m[1];
}

function recordedCommands(world: DockspecWorld, name: string): { commands: string[]; raw: string } {
  const log = world.vars.get(`${name}_log`);
  if (!log) throw new Error(`no runtime wrapper <${name}> in this scenario`);
  const raw = existsSync(log) ? readFileSync(log, 'utf8') : '';
  // A line per call: the arguments, space separated (none of runc's own arguments contain spaces).
  const commands = raw
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ').find((a) => RUNTIME_COMMANDS.has(a)) ?? `(no command: ${line})`);
  return { commands, raw };
}

Then('no {role} process is left in the engine\'s process tree', async function (this: DockspecWorld, role: Role) {
  this.snapshot(`no ${role} left`);
  await throughout(async () => {
    const found = await this.processesOfRole(role);
    expect(found.map(describeProcess), `${this.roleName(role)} processes of the engine`).to.deep.equal([]);
  }, 1000);
});

Then('the {string} line of its output lists {string}', async function (this: DockspecWorld, label: string, word: string) {
  if (!this.last) throw new Error('no command has run yet in this scenario');
  const out = this.last.stdout;
  const line = out.split('\n').find((l) => l.trim().startsWith(`${label}:`));
  if (!line) throw new Error(`no "${label}:" line in the output:\n${out}`);
  const values = line.trim().slice(label.length + 1).trim().split(/\s+/);
  expect(values, `"${line.trim()}"`).to.include(await this.resolve(word));
});

Given('a runtime wrapper {word} that records its arguments', async function (this: DockspecWorld, placeholder: string) {
  const name = placeholderName(placeholder);
  // In the engine's directory: removed with it, and the wrapper's runtime calls (which name the
  // engine's exec root) stay the engine's processes.
  const dir = join(preparedEngine(this).root, 'runtime-wrapper');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, name);
  const log = join(dir, `${name}.calls`);
  const runtime = this.target.info.binaryPath('runc');
  // exec, not a child: the shim must see the runtime's own exit status and stdio, as with runc itself.
  writeFileSync(script, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${runtime}' "$@"\n`);
  chmodSync(script, 0o755);
  this.vars.set(name, script);
  this.vars.set(`${name}_log`, log);
});

Then('the wrapper {word} recorded the commands {string}', function (this: DockspecWorld, placeholder: string, list: string) {
  const name = placeholderName(placeholder);
  const want = list.split(',').map((s) => s.trim()).filter(Boolean);
  const { commands, raw } = recordedCommands(this, name);
  let i = 0;
  for (const c of commands) if (i < want.length && c === want[i]) i++;
  expect(i, `the wrapper's calls, in order: ${commands.join(', ') || '(none)'}\n--- ${name}.calls ---\n${raw}`).to.equal(want.length);
});

// A runtime may be asked things that are not about a container: dockerd 26 runs `<runtime>
// features` for every runtime it knows when it starts. This says which container commands it never got.
Then('the wrapper {word} recorded none of the commands {string}', function (this: DockspecWorld, placeholder: string, list: string) {
  const unwanted = list.split(',').map((s) => s.trim()).filter(Boolean);
  const { commands, raw } = recordedCommands(this, placeholderName(placeholder));
  expect(commands.filter((c) => unwanted.includes(c)), `the wrapper's calls: ${commands.join(', ') || '(none)'}\n--- calls ---\n${raw}`).to.deep.equal([]);
});

Then('the wrapper {word} recorded no command', function (this: DockspecWorld, placeholder: string) {
  const { commands } = recordedCommands(this, placeholderName(placeholder));
  expect(commands, 'the wrapper\'s calls').to.deep.equal([]);
});
