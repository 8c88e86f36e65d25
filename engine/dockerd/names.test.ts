import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateName, validateName } from './names.js';
import { DockerError } from './errors.js';

test('valid names gain a leading slash', () => {
  assert.equal(validateName('web_svr01'), '/web_svr01');
  assert.equal(validateName('/a.b-c'), '/a.b-c');
});

test('invalid names fail with Docker\'s text and status 400', () => {
  for (const bad of ['a b', '-ab', 'a', '_x', 'x/y']) {
    assert.throws(
      () => validateName(bad),
      (e: unknown) =>
        e instanceof DockerError && e.statusCode === 400 && e.message === `Invalid container name (${bad}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
});

test('generated names avoid taken ones', () => {
  const taken = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const n = generateName((x) => taken.has(x));
    assert.match(n, /^\/[a-z]+_[a-z]+\d?$/);
    assert.ok(!taken.has(n));
    taken.add(n);
  }
});
