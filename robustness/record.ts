// Record what an engine answers to the bad-input corpus:
//   node dist/robustness/record.js [--target docker|reference] [--write]
// With --write (docker only) the answers become robustness/corpus/docker-20.10.json, the
// expectations that robustness/bad-input.test.ts holds the reference engine to.
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getTarget } from '../harness/targets/index.js';
import { escapesPresent, importTestImage, runCorpus } from './corpus-run.js';
import { CORPUS } from './corpus.js';

const SOURCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'robustness');

const { values } = parseArgs({ options: { target: { type: 'string', default: 'docker' }, write: { type: 'boolean' } } });
const target = values.target!;
const before = escapesPresent();
if (before.length) throw new Error(`escape targets exist before the run: ${before.join(', ')}`);
const engine = getTarget(target).newEngine();
try {
  await engine.start();
  await importTestImage(engine);
  const answers = await runCorpus(engine, CORPUS, (c, a) =>
    process.stdout.write(`${c.id.padEnd(34)} ${String(a.status).padEnd(4)} ${a.alive ? 'alive' : 'DEAD '} ${String(a.ms).padStart(6)}ms  ${a.message.slice(0, 150)}\n`),
  );
  const left = escapesPresent();
  process.stdout.write(`\n${CORPUS.length} requests; escape targets present afterwards: ${left.length ? left.join(', ') : 'none'}\n`);
  if (values.write) {
    if (target !== 'docker') throw new Error('--write records Docker, the oracle: use --target docker');
    const version = (await import('node:child_process')).execFileSync('dockerd', ['--version'], { encoding: 'utf8' }).trim();
    const doc = {
      recorded: new Date().toISOString(),
      engine: version,
      note: 'written by node dist/robustness/record.js --target docker --write; status and message per corpus case',
      answers: Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, { status: v.status, message: v.message }])),
    };
    writeFileSync(join(SOURCE_DIR, 'corpus', 'docker-20.10.json'), JSON.stringify(doc, null, 2) + '\n');
  }
} finally {
  await engine.stop().catch(() => undefined);
  const leaks = await engine.cleanup();
  if (leaks.length) process.stdout.write(`cleanup: ${leaks.join('; ')}\n`);
}
