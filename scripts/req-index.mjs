// Writes features/README.md from the features: one line per requirement id, by area.
// Run after adding or renaming scenarios: node scripts/req-index.mjs (after a build).
import { writeFileSync } from 'node:fs';
import { readCatalogue, sourceKinds } from '../dist/cli/catalogue.js';

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
// The source column: the documentation pages by title, then the account and the measurement.
function sourceCell(source) {
  const k = sourceKinds(source);
  const parts = k.docs.filter((d, i) => k.docs.findIndex((o) => o.url === d.url) === i).map((d) => `[${d.title}](${d.url})`);
  if (k.account) parts.unshift('account');
  if (k.measured) parts.push(/26\.1\.5 differs/.test(source) ? 'measured (20.10; 26.1 differs)' : 'measured');
  return parts.join(', ').replace(/\|/g, '\\|');
}

const count = (pred) => catalogue.filter((e) => pred(sourceKinds(e.source))).length;
let out = `# The requirements

Every scenario checks one requirement and carries its id as a \`@req:<area>.<name>\` tag. The
scenario's title states the claim; its description, where there is one, says what the common
account of Docker gets wrong, and its last paragraph, \`Source:\`, says where the claim comes from:
the account of Docker's processes this suite checks (*account*, as \`docs/design.md\` draws it), a
page of Docker's, containerd's or the OCI's documentation (linked by its title), and the
measurement on real Docker (*measured*: dockerd 20.10.24 and 26.1.5, the \`docker\` and \`docker26\`
targets; \`docs/docker-versions.md\` has where they differ). Of the ${catalogue.length} requirements,
${count((k) => k.docs.length > 0)} cite documentation, ${count((k) => k.account)} the account and ${count((k) => k.measured)} a measurement; ${count((k) => !k.docs.length && !k.account)} rest on the
measurement alone. A unit test (cli/catalogue.test.ts) keeps this list and the features in step
and fails a scenario without a \`Source:\`; \`node scripts/req-index.mjs\` rewrites it.
`;
for (const [area, intro] of Object.entries(areas)) {
  const entries = catalogue.filter((e) => e.area === area);
  if (!entries.length) continue;
  out += `\n## @${area}: ${intro} (${entries.length})\n\n| id | claim | source | where |\n|---|---|---|---|\n`;
  for (const e of entries) out += `| \`${e.reqId}\` | ${e.scenario.replace(/\|/g, '\\|')} | ${sourceCell(e.source)} | ${e.uri}:${e.line} |\n`;
}
writeFileSync(`${root}features/README.md`, out);
console.log(`features/README.md: ${catalogue.length} requirements`);
