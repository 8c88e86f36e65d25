// Scenario lifecycle: the test image exists before the first scenario; after each scenario,
// pass, fail or interrupt, the engine's process tree is recorded and everything it made is gone.
import { After, AfterAll, Before, BeforeAll, Status, setDefaultTimeout } from '@cucumber/cucumber';
import { DockspecWorld } from './world.js';
import { imageTarball } from './test-image.js';
import { releaseAllOwnedBy } from './resources.js';
import { sweepOrphanedEngines } from './targets/sweeper.js';
import { scaled } from '../../lib/time-scale.js';

// Steps carry their own, shorter deadlines; this one only catches a step that hangs outright.
setDefaultTimeout(scaled(Number(process.env.DOCKSPEC_STEP_TIMEOUT_MS ?? 120000)));

BeforeAll(async function () {
  imageTarball();
  await sweepOrphanedEngines();
});

Before({ tags: '@daemon-control' }, function (this: DockspecWorld) {
  if (this.attached) {
    this.attach(`skipped: the docker target is attached to ${process.env.DOCKER_HOST}; this scenario must start, stop or kill the daemon`, 'text/plain');
    return 'skipped';
  }
  return undefined;
});

After({ timeout: scaled(120000) }, async function (this: DockspecWorld, { result }) {
  const problems: string[] = [];
  if (this.engines.some((e) => e.running)) this.snapshot('at the end of the scenario');
  if (result?.status === Status.FAILED) {
    for (const e of this.engines) this.attach(`--- ${e.targetName} daemon log (last lines) ---\n${e.logTail(60)}`, 'text/plain');
  }
  for (const cleanup of this.cleanups.reverse()) {
    try {
      await cleanup();
    } catch (err) {
      problems.push(`cleanup step failed: ${(err as Error).message}`);
    }
  }
  for (const e of this.engines) {
    // Remove containers through the engine first, so that it releases what only it knows about
    // (shim sockets, proxies, netns); then stop it and sweep whatever is left.
    if (e.running) {
      await this.run('ids=$(docker ps -aq); [ -z "$ids" ] || docker rm -f $ids >/dev/null', 60000, { DOCKER_HOST: e.dockerHost }).catch(() => undefined);
      await e.stop(20000).catch(() => undefined);
    }
    problems.push(...(await e.cleanup()));
  }
  this.releasePorts();
  if (problems.length) throw new Error(`the scenario left things behind:\n${problems.join('\n')}`);
});

AfterAll(function () {
  releaseAllOwnedBy();
});
