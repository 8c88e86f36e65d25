// JUnit XML from the scenario outcomes, so that a CI test tab says what `dockspec run` says: an
// expected deviation is a skipped test with its reason (not a failure), and every test name
// starts with its requirement id, so that a renamed scenario keeps its history.
import { COUNT_ORDER, Outcome, ScenarioOutcome, failedStep } from './outcomes.js';
import { RunInfo } from './run-info.js';

function esc(s: string): string {
  // XML 1.0 cannot carry most control characters at all, escaped or not.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function testName(s: ScenarioOutcome): string {
  return s.reqIds.length ? `${s.reqIds.join(' ')}: ${s.name}` : s.name;
}

function transcript(s: ScenarioOutcome): string {
  return s.steps.map((st) => `${st.status.padEnd(9)} ${st.keyword.trim()} ${st.text}${st.message ? `\n${st.message}` : ''}`).join('\n');
}

export function junitXml(scenarios: ScenarioOutcome[], info: Pick<RunInfo, 'target' | 'engineVersion' | 'host' | 'startedAt'>): string {
  const c = Object.fromEntries(COUNT_ORDER.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const s of scenarios) c[s.outcome]++;
  const seconds = (scenarios.reduce((n, s) => n + s.durationMs, 0) / 1000).toFixed(3);
  const suite = `dockspec ${info.target}`;
  const attrs = `tests="${scenarios.length}" failures="${c.failed}" errors="0" skipped="${c.skipped + c.deviation}" time="${seconds}"`;
  const cases = scenarios.map((s) => {
    const head = `    <testcase classname="${esc(`${info.target}.${s.area}`)}" name="${esc(testName(s))}" file="${esc(s.uri)}" line="${s.line}" time="${(s.durationMs / 1000).toFixed(3)}"`;
    if (s.outcome === 'failed') {
      const step = failedStep(s);
      const message = `${step ? `${step.keyword.trim()} ${step.text}: ` : ''}${s.reason ?? s.status}`;
      return `${head}>\n      <failure type="${s.status}" message="${esc(message)}">${esc(transcript(s))}</failure>\n    </testcase>`;
    }
    if (s.outcome === 'deviation') return `${head}>\n      <skipped message="${esc(`expected deviation (deviations/${info.target}.json): ${s.reason ?? ''}`)}"/>\n    </testcase>`;
    if (s.outcome === 'skipped') return `${head}>\n      <skipped message="${esc(s.reason ?? 'skipped')}"/>\n    </testcase>`;
    if (s.outcome === 'unexpected-pass') return `${head}>\n      <system-out>${esc(`${s.reason ?? 'listed as a deviation'}: remove it from deviations/${info.target}.json`)}</system-out>\n    </testcase>`;
    return `${head}/>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="${esc(suite)}" ${attrs}>
  <testsuite name="${esc(suite)}" ${attrs}${info.startedAt ? ` timestamp="${esc(info.startedAt)}"` : ''} hostname="${esc(info.host)}">
    <properties>
      <property name="target" value="${esc(info.target)}"/>
      <property name="engine" value="${esc(info.engineVersion)}"/>
    </properties>
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
