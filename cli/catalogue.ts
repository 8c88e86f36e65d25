// The catalogue of requirements: every scenario under features/ with its @req id, read with
// cucumber's own Gherkin parser. features/README.md lists the same ids; a unit test keeps the two
// in step, and checks the rules every scenario follows (one @req id, an area tag, a description,
// a `Source:` saying where the claim comes from).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AstBuilder, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator } from '@cucumber/messages';

export interface CatalogueEntry {
  reqId: string;
  area: string;
  scenario: string;
  description: string;
  uri: string;
  line: number;
  featureTags: string[];
  tags: string[];
  /** a `# seen failing: …` comment stands above the scenario or in its header */
  seenFailing: boolean;
  /** the description's `Source:` paragraph (from that line to the description's end), '' if none */
  source: string;
}

/** A documentation page a `Source:` names: `"Title" (https://…)`. */
export interface SourceDoc {
  title: string;
  url: string;
}

/** What a `Source:` rests on: the architecture account, documentation pages, a measurement on Docker. */
export interface SourceKinds {
  account: boolean;
  docs: SourceDoc[];
  measured: boolean;
}

export function sourceKinds(source: string): SourceKinds {
  return {
    account: /\bthe account \(docs\/design\.md\)/.test(source),
    docs: [...source.matchAll(/"([^"]+)" \((https:\/\/[^)\s]+)\)/g)].map((m) => ({ title: m[1], url: m[2] })),
    measured: /\bmeasured on Docker \d+\.\d+/.test(source),
  };
}

/** The description's first line, unless it is the `Source:` line. */
function claimOf(description: string): string {
  const first = description.trim().split('\n')[0]?.trim() ?? '';
  return first.startsWith('Source:') ? '' : first;
}

function sourceOf(description: string): string {
  const lines = description.split('\n').map((l) => l.trim());
  const at = lines.findIndex((l) => l.startsWith('Source:'));
  return at < 0 ? '' : lines.slice(at).join(' ').replace(/^Source:\s*/, '').trim();
}

function featureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...featureFiles(path));
    else if (name.endsWith('.feature')) out.push(path);
  }
  return out.sort();
}

export function readCatalogue(featuresDir: string): CatalogueEntry[] {
  const parser = new Parser(new AstBuilder(IdGenerator.uuid()), new GherkinClassicTokenMatcher());
  const out: CatalogueEntry[] = [];
  for (const file of featureFiles(featuresDir)) {
    const doc = parser.parse(readFileSync(file, 'utf8'));
    const feature = doc.feature;
    if (!feature) continue;
    const featureTags = feature.tags.map((t) => t.name);
    const children = feature.children.flatMap((c) => (c.rule ? c.rule.children : [c]));
    const seenLines = doc.comments.filter((c) => /seen failing/i.test(c.text)).map((c) => c.location.line);
    let previousLine = 0;
    for (const child of children) {
      const s = child.scenario;
      if (!s) continue;
      const tags = s.tags.map((t) => t.name);
      // The note stands above the scenario (after the previous one's last step) or in its header,
      // before its first step.
      const firstStep = s.steps[0]?.location.line ?? s.location.line + 1;
      const seenFailing = seenLines.some((l) => l > previousLine && l < firstStep);
      previousLine = s.steps[s.steps.length - 1]?.location.line ?? s.location.line;
      for (const req of tags.filter((t) => t.startsWith('@req:'))) {
        out.push({
          reqId: req.slice('@req:'.length),
          area: req.slice('@req:'.length).split('.')[0],
          scenario: s.name,
          description: claimOf(s.description),
          uri: relative(join(featuresDir, '..'), file),
          line: s.location.line,
          featureTags,
          tags,
          seenFailing,
          source: sourceOf(s.description),
        });
      }
      if (!tags.some((t) => t.startsWith('@req:'))) {
        out.push({ reqId: '', area: '', scenario: s.name, description: '', uri: relative(join(featuresDir, '..'), file), line: s.location.line, featureTags, tags, seenFailing, source: sourceOf(s.description) });
      }
    }
  }
  return out;
}
