import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoFlagError, parseGoFlags } from './go-flag.js';

const spec = { valued: ['id', 'address'], bools: ['debug'] };

test("Go's flag syntax: one or two dashes, -name value and -name=value, booleans without a value, arguments after the flags", () => {
  const f = parseGoFlags(['-id', 'a', '--address=/s', '-debug', 'start', '-id', 'b'], spec);
  assert.deepEqual(Object.fromEntries(f.values), { id: 'a', address: '/s' });
  assert.equal(f.bools.get('debug'), true);
  assert.deepEqual(f.args, ['start', '-id', 'b'], 'parsing stops at the first non-flag');
  assert.deepEqual(parseGoFlags(['-debug=F', '--', '-id'], spec), { values: new Map(), bools: new Map([['debug', false]]), args: ['-id'], ordered: [['debug', 'F']] });
});

test("Go's flag errors", () => {
  const fails = (argv: string[], text: string, help = false) =>
    assert.throws(() => parseGoFlags(argv, spec), (e) => e instanceof GoFlagError && e.message === text && e.helpRequested === help);
  fails(['-bogus'], 'flag provided but not defined: -bogus');
  fails(['-id'], 'flag needs an argument: -id');
  fails(['-debug=maybe'], 'invalid boolean value "maybe" for -debug: parse error');
  fails(['-help'], 'flag: help requested', true);
});

test("runc's mode: undeclared flags are taken, and a repeated flag keeps every value in order", () => {
  const f = parseGoFlags(['--systemd-cgroup', '--log-format=json', '-id', 'a', '-id', 'b', 'create'], { valued: ['id'], undeclared: 'accept' });
  assert.deepEqual(f.ordered, [['systemd-cgroup', true], ['log-format', 'json'], ['id', 'a'], ['id', 'b']]);
  assert.equal(f.values.get('id'), 'b');
  assert.deepEqual(f.args, ['create']);
});
