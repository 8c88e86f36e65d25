// Attached mode on a shared engine: cucumber runs fixture scenarios against a real
// dockerd that stands for a user's engine, with a container of the user's running in it. Whatever
// the scenarios do (pass, fail midway, get interrupted), afterwards the user's container still
// runs and the engine holds no container, image or network that the run created; two scenarios
// that use the same names in parallel do not collide.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newDockerEngine } from '../harness/targets/docker.js';
import { ManagedEngine } from '../harness/targets/managed-engine.js';
import { imageTarball } from '../harness/test-image.js';
import { shortId, WORK_ROOT } from '../harness/resources.js';
import { whichSync } from '../harness/targets/which.js';
import { sweepAttachedEngines } from '../harness/targets/attached-engine.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const haveDockerd = Boolean(whichSync('dockerd')) && process.getuid?.() === 0;

let engine: ManagedEngine;
const dir = join(WORK_ROOT, `attached-test-${shortId()}`);

function docker(args: string): string {
  return execFileSync('bash', ['-c', `docker ${args}`], { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: engine.dockerHost } }).trim();
}

/** What the engine holds, as its owner would list it. */
function inventory(): { containers: string[]; images: string[]; networks: string[] } {
  return {
    containers: docker(`ps -a --format '{{.Names}} {{.State}}'`).split('\n').filter(Boolean).sort(),
    images: docker(`images -a --format '{{.Repository}}:{{.Tag}}'`).split('\n').filter(Boolean).sort(),
    networks: docker(`network ls --format '{{.Name}}'`).split('\n').filter(Boolean).sort(),
  };
}

function feature(name: string, text: string): string {
  const file = join(dir, `${name}.feature`);
  writeFileSync(file, text);
  return file;
}

interface Run {
  code: number | null;
  output: string;
}

function withoutTestContext(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** cucumber-js on fixture features, attached to the engine, with the suite's own steps. */
function cucumber(files: string[], opts: { parallel?: number; onOutput?: (text: string, kill: () => void) => void } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      // An empty configuration of its own: the project's would add every feature of the suite.
      [join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js'), '--config', relative(ROOT, join(dir, 'cucumber.json')), '--import', 'dist/steps/**/*.js', '--world-parameters', JSON.stringify({ target: 'docker' }), '--parallel', String(opts.parallel ?? 0), '--format', 'progress', ...files],
      // Without NODE_TEST_CONTEXT: the test files among dist/steps would report to this test runner.
      { cwd: ROOT, env: { ...withoutTestContext(), DOCKER_HOST: engine.dockerHost, DOCKSPEC_ATTACH: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const onData = (d: Buffer) => {
      output += d.toString();
      opts.onOutput?.(output, () => child.kill('SIGINT'));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => resolve({ code, output }));
  });
}

before(async () => {
  if (!haveDockerd) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cucumber.json'), '{}');
  engine = newDockerEngine();
  await engine.start();
  // The user's own image and container, there before any run.
  docker(`import ${imageTarball()} user/own:1`);
  docker('run -d --name mine user/own:1 sleep 1000');
});

after(async () => {
  if (!haveDockerd) return;
  await engine.stop(20000).catch(() => undefined);
  await engine.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const USER_ONLY = { containers: ['mine running'], images: ['user/own:1'], networks: ['bridge', 'host', 'none'] };

test('a scenario that fails midway leaves the engine as it was', { skip: !haveDockerd && 'needs dockerd and root' }, async () => {
  assert.deepEqual(inventory(), USER_ONLY);
  const r = await cucumber([
    feature('fails', `Feature: fixture
  Scenario: makes containers, then fails
    Given a running engine
    And the image "dockspec/busybox"
    When I ran "docker run -d --name <app> dockspec/busybox sleep 300"
    And I ran "docker create --name <other> dockspec/busybox true"
    Then the command fails with exit code 99
`),
  ]);
  assert.equal(r.code, 1, r.output);
  assert.match(r.output, /1 scenario \(1 failed\)/);
  assert.deepEqual(inventory(), USER_ONLY);
});

test('two scenarios in parallel give the same names without colliding, and both clean up', { skip: !haveDockerd && 'needs dockerd and root' }, async () => {
  const text = (n: number) => `Feature: fixture ${n}
  Scenario: names its container app (${n})
    Given a running engine
    And the image "dockspec/busybox"
    When I ran "docker run -d --name <app> dockspec/busybox sleep 300"
    And I ran "docker exec <app> true"
    Then the container "<app>" is in state "running"
`;
  const r = await cucumber([feature('one', text(1)), feature('two', text(2))], { parallel: 2 });
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /2 scenarios \(2 passed\)/);
  assert.deepEqual(inventory(), USER_ONLY);
});

test('the test image stays when it was there before the run', { skip: !haveDockerd && 'needs dockerd and root' }, async () => {
  docker(`import ${imageTarball()} dockspec/busybox:latest`);
  try {
    const r = await cucumber([
      feature('keeps', `Feature: fixture
  Scenario: uses the image
    Given a running engine
    And the image "dockspec/busybox"
    When I ran "docker run --rm --name <job> dockspec/busybox true"
`),
    ]);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(inventory(), { ...USER_ONLY, images: ['dockspec/busybox:latest', 'user/own:1'] });
  } finally {
    docker('rmi dockspec/busybox:latest');
  }
});

test('a run interrupted with Ctrl-C mid-scenario is cleaned up by the sweep that dockspec run does after it (sweepOrphanedEngines → sweepAttachedEngines)', { skip: !haveDockerd && 'needs dockerd and root' }, async () => {
  let sent = false;
  const r = await cucumber(
    [
      feature('interrupted', `Feature: fixture
  Scenario: is interrupted while its container runs
    Given a running engine
    And the image "dockspec/busybox"
    When I ran "docker run -d --name <app> dockspec/busybox sleep 300"
    And I ran "sleep 20"
`),
    ],
    {
      onOutput: (_, kill) => {
        // Interrupt once the container exists: the shell's sleep holds the scenario from here on.
        if (sent) return;
        try {
          if (docker(`ps -q --filter name=app-dsp`)) {
            sent = true;
            kill();
          }
        } catch {
          // not yet
        }
      },
    },
  );
  if (!sent) {
    // The container appeared without output following it: poll until it exists, then interrupt.
    assert.fail(`the fixture never reached its container: ${r.output}`);
  }
  assert.notEqual(r.code, 0);
  // The interrupted scenario's After hook did not run: its container is still there for the sweep.
  assert.notEqual(docker(`ps -aq --filter name=app-dsp`), '', `the interrupted run removed its container itself: ${r.output}`);
  await sweepAttachedEngines();
  assert.deepEqual(inventory(), USER_ONLY);
});
