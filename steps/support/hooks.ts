// Scenario lifecycle: the test image exists before the first scenario; after each scenario,
// pass, fail or interrupt, the engine's process tree is recorded and everything it made is gone.
import { After, AfterAll, Before, BeforeAll, Status, setDefaultTimeout } from '@cucumber/cucumber';
import { DockspecWorld } from './world.js';
import { imageTarball } from '../../harness/test-image.js';
import { releaseAllOwnedBy } from '../../harness/resources.js';
import { sweepOrphanedEngines, sweepSharedDirs } from '../../harness/targets/sweeper.js';
import { SHARED_RUN_DIRS } from '../../harness/targets/docker.js';
import { attachedEngines } from '../../harness/targets/attached-engine.js';
import { scaled } from '../../lib/time-scale.js';

// Steps carry their own, shorter deadlines; this one only catches a step that hangs outright.
setDefaultTimeout(scaled(Number(process.env.DOCKSPEC_STEP_TIMEOUT_MS ?? 120000)));

BeforeAll(async function () {
  imageTarball();
  await sweepOrphanedEngines();
});

Before({ tags: '@daemon-control' }, function (this: DockspecWorld) {
  if (this.attached) {
    return this.skipNotControlled('this scenario must start, stop or kill the daemon');
  }
  return undefined;
});

// On an attached engine, the scenario's suffix is on disk before anything is created with it, so
// that a sweep after a killed worker finds what it made.
Before(function (this: DockspecWorld) {
  this.attachedEngine?.beginScenario(this.suffix);
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
      await e.stop(scaled(20000)).catch(() => undefined);
    }
    problems.push(...(await e.cleanup()));
  }
  // On an attached engine, exactly what carries this scenario's suffix goes: its containers (with
  // their anonymous volumes) and networks. The owner's and other scenarios' objects are not touched.
  if (this.attachedEngine && !this.engines.length) problems.push(...(await this.attachedEngine.endScenario(this.suffix)));
  this.releasePorts();
  if (problems.length) throw new Error(`the scenario left things behind:\n${problems.join('\n')}`);
});

AfterAll({ timeout: 120000 }, async function () {
  releaseAllOwnedBy();
  sweepSharedDirs(SHARED_RUN_DIRS);
  // The last worker done with an attached engine removes the test image, unless it was there before.
  const problems = (await Promise.all(attachedEngines().map((e) => e.release()))).flat();
  for (const e of attachedEngines()) e.host.close?.();
  if (problems.length) throw new Error(`the run left things on the attached engine:\n${problems.join('\n')}`);
});
