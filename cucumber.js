// One profile per target. Steps and support code run compiled (dist/), never through a loader.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// Every compiled module under dist/steps except the unit tests beside them (*.test.js): importing
// a test file would run node:test inside cucumber and print TAP in the middle of a run.
function supportCode(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? supportCode(join(dir, e.name)) : e.name.endsWith('.js') && !e.name.endsWith('.test.js') ? [join(dir, e.name)] : []))
    .sort();
}

// No `paths`: cucumber-js's default is features/**/*.feature, and paths given on its command line
// (dockspec run --rerun passes file:line) replace the default, where they would be merged with a
// configured list.
const common = {
  import: supportCode('dist/steps'),
  strict: true,
};

export default { ...common, worldParameters: { target: 'reference' } };
export const reference = { ...common, worldParameters: { target: 'reference' } };
export const docker = { ...common, worldParameters: { target: 'docker' } };
export const docker26 = { ...common, worldParameters: { target: 'docker26' } };
