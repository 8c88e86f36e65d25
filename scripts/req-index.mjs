// Writes features/README.md from the features: one line per requirement id, by area.
// Run after adding or renaming scenarios: node scripts/req-index.mjs (after a build).
import { writeFileSync } from 'node:fs';
import { readCatalogue } from '../dist/cli/catalogue.js';

const root = new URL('..', import.meta.url).pathname;
const catalogue = readCatalogue(`${root}features`);
const areas = {
  transports: 'how the docker client reaches the daemon',
  init: 'docker-init as PID 1',
  proxy: 'docker-proxy per published port',
  daemons: 'dockerd and containerd, two daemons',
  shim: 'the shim that keeps containers alive',
  runtime: 'runc, the replaceable runtime that exits',
  isolation: 'namespaces and cgroups',
  events: 'docker events, the engine daemon\'s record of a container\'s life',
  restart: 'restart policies, the engine daemon\'s job',
};
let out = `# The requirements

Every scenario checks one requirement and carries its id as a \`@req:<area>.<name>\` tag. The
scenario's title states the claim; its description, where there is one, says what the common
account of Docker gets wrong. A unit test (cli/catalogue.test.ts) keeps this list and the features
in step; \`node scripts/req-index.mjs\` rewrites it.
`;
for (const [area, intro] of Object.entries(areas)) {
  const entries = catalogue.filter((e) => e.area === area);
  if (!entries.length) continue;
  out += `\n## @${area}: ${intro} (${entries.length})\n\n| id | claim | where |\n|---|---|---|\n`;
  for (const e of entries) out += `| \`${e.reqId}\` | ${e.scenario.replace(/\|/g, '\\|')} | ${e.uri}:${e.line} |\n`;
}
writeFileSync(`${root}features/README.md`, out);
console.log(`features/README.md: ${catalogue.length} requirements`);
