// Steps that type commands and read what they print.
// Glossary:
//   I run "CMD"                     run CMD in bash against the engine; any exit code is accepted
//   I ran "CMD"                     the same, but it must succeed (a precondition)
//   the command succeeds            the last command exited 0
//   the command fails with exit code N
//   its output contains "TEXT"      stdout contains TEXT (placeholders resolved)
//   its output is "TEXT"            stdout, trimmed, equals TEXT
//   its error says "TEXT"           stderr contains TEXT
//   its error is:                   stderr, trimmed, equals the doc string
//   it took less than N seconds / it took at least N seconds
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { DockspecWorld } from './support/world.js';
import { CommandResult } from '../harness/run-command.js';

function last(world: DockspecWorld): CommandResult {
  if (!world.last) throw new Error('no command has run yet in this scenario');
  return world.last;
}

function describe(r: CommandResult): string {
  return `"${r.command}" exited ${r.exitCode}\nstdout: ${r.stdout.trim()}\nstderr: ${r.stderr.trim()}`;
}

When('I run {string}', async function (this: DockspecWorld, command: string) {
  this.last = await this.run(await this.resolve(command));
});

Given('I ran {string}', async function (this: DockspecWorld, command: string) {
  const r = (this.last = await this.run(await this.resolve(command)));
  expect(r.exitCode, describe(r)).to.equal(0);
});

Then('the command succeeds', function (this: DockspecWorld) {
  const r = last(this);
  expect(r.exitCode, describe(r)).to.equal(0);
});

Then('the command fails with exit code {int}', function (this: DockspecWorld, code: number) {
  const r = last(this);
  expect(r.exitCode, describe(r)).to.equal(code);
});

Then('its output contains {string}', async function (this: DockspecWorld, text: string) {
  const r = last(this);
  expect(r.stdout, describe(r)).to.include(await this.resolve(text));
});

Then('its output does not contain {string}', async function (this: DockspecWorld, text: string) {
  const r = last(this);
  expect(r.stdout, describe(r)).not.to.include(await this.resolve(text));
});

Then('its output is {string}', async function (this: DockspecWorld, text: string) {
  const r = last(this);
  expect(r.stdout.trim(), describe(r)).to.equal(await this.resolve(text));
});

Then('its error says {string}', async function (this: DockspecWorld, text: string) {
  const r = last(this);
  expect(r.stderr, describe(r)).to.include(await this.resolve(text));
});

Then('its error is:', async function (this: DockspecWorld, text: string) {
  const r = last(this);
  expect(r.stderr.trim(), describe(r)).to.equal((await this.resolve(text)).trim());
});

Then('it took less than {float} seconds', function (this: DockspecWorld, seconds: number) {
  // Through ssh every command also pays for a connection, which says nothing about the engine.
  const skip = this.skipUnlessLocalHost('bounds how long a command took, and ssh adds its own time to every command');
  if (skip) return skip;
  const r = last(this);
  expect(r.durationMs / 1000, describe(r)).to.be.below(seconds);
  return undefined;
});

Then('it took at least {float} seconds', function (this: DockspecWorld, seconds: number) {
  const r = last(this);
  expect(r.durationMs / 1000, describe(r)).to.be.at.least(seconds);
});
