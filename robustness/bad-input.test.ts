// The bad-input corpus against ref-dockerd: each request gets Docker's status and message (as
// recorded from dockerd 20.10.24 in corpus/docker-20.10.json), the daemon answers /_ping after
// every one, and nothing lands outside its roots: the host paths the hostile archives aim at do
// not exist, and what an accepted archive clamped at its root is inside the image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { getTarget } from '../harness/targets/index.js';
import { CORPUS } from './corpus.js';
import { escapesPresent, importTestImage, runCorpus } from './corpus-run.js';
import { DIST } from '../harness/targets/reference.js';

const recorded = JSON.parse(readFileSync(join(DIST, '..', 'robustness', 'corpus', 'docker-20.10.json'), 'utf8')) as {
  engine: string;
  answers: Record<string, { status: number; message: string }>;
};

test(`bad-input corpus: ${CORPUS.length} requests answered as ${recorded.engine.split(',')[0]} does, engine alive, nothing outside its roots`, { timeout: 180000 }, async () => {
  assert.ok(CORPUS.length >= 50, 'the corpus has at least 50 requests');
  assert.deepEqual(escapesPresent(), [], 'escape targets exist before the run: remove them first');
  const engine = getTarget('reference').newEngine();
  try {
    await engine.start();
    await importTestImage(engine);
    const t0 = Date.now();
    const answers = await runCorpus(engine);
    const ms = Date.now() - t0;
    const mismatches: string[] = [];
    const dead: string[] = [];
    let matched = 0;
    let deviations = 0;
    for (const c of CORPUS) {
      const got = answers[c.id];
      if (!got.alive) dead.push(c.id);
      const want = recorded.answers[c.id];
      assert.ok(want, `no recorded Docker answer for ${c.id}: run node dist/robustness/record.js --target docker --write`);
      if (c.deviation) {
        deviations++;
        continue;
      }
      if (got.status === want.status && got.message === want.message) matched++;
      else mismatches.push(`${c.id} (${c.what}):\n    docker    ${want.status} ${want.message}\n    reference ${got.status} ${got.message}`);
    }
    const escaped = escapesPresent();
    // an accepted archive whose `..` names were clamped keeps the file inside the image root
    const clamped = execFileSync('find', [engine.dataRoot, '-name', 'dockspec-pwned-dotdot'], { encoding: 'utf8' }).trim();
    process.stdout.write(
      `# corpus: ${CORPUS.length} requests in ${ms} ms; ${matched} answered as Docker, ${deviations} listed deviations, ` +
        `${mismatches.length} mismatches; daemon dead after ${dead.length}; escape targets present: ${escaped.length}\n`,
    );
    assert.deepEqual(dead, [], 'the daemon stopped answering /_ping after these requests');
    assert.deepEqual(escaped, [], 'a hostile request wrote outside the engine roots');
    assert.ok(clamped.startsWith(engine.dataRoot) && clamped.includes('/rootfs/tmp/'), `the clamped entry is inside the image: ${clamped}`);
    assert.deepEqual(mismatches, [], `answers that differ from Docker's:\n${mismatches.join('\n')}`);
    assert.ok(engine.running, 'ref-dockerd still runs');
  } finally {
    await engine.stop().catch(() => undefined);
    await engine.cleanup();
  }
});
