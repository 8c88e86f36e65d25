// A cucumber formatter for logs: one line per finished scenario with its running count, so that a
// long run in CI shows progress and where it failed without the noise of step-level output.
import { Formatter, IFormatterOptions, formatterHelpers } from '@cucumber/cucumber';

export default class ScenarioLinesFormatter extends Formatter {
  static override readonly documentation = 'One line per scenario: outcome, requirement, name, duration';
  private total = 0;
  private done = 0;
  private readonly target: string;

  constructor(options: IFormatterOptions) {
    super(options);
    this.target = String((options.parsedArgvOptions as { target?: string }).target ?? process.env.DOCKSPEC_TARGET ?? '');
    options.eventBroadcaster.on('envelope', (envelope) => {
      if (envelope.testCase) this.total++;
      if (envelope.testCaseFinished && !envelope.testCaseFinished.willBeRetried) this.onFinished(envelope.testCaseFinished.testCaseStartedId);
    });
  }

  private onFinished(testCaseStartedId: string): void {
    const attempt = this.eventDataCollector.getTestCaseAttempt(testCaseStartedId);
    const status = attempt.worstTestStepResult.status;
    const seconds = attempt.stepResults ? Object.values(attempt.stepResults).reduce((s, r) => s + (r.duration ? r.duration.seconds + r.duration.nanos / 1e9 : 0), 0) : 0;
    const req = attempt.pickle.tags.map((t) => t.name).find((t) => t.startsWith('@req:')) ?? '';
    this.done++;
    const mark = ({ PASSED: 'ok  ', FAILED: 'FAIL', SKIPPED: 'skip', PENDING: 'pend', UNDEFINED: 'undef', AMBIGUOUS: 'ambig', UNKNOWN: '??  ' } as Record<string, string>)[status] ?? status;
    this.log(`[${String(this.done).padStart(3)}/${this.total}] ${this.target ? this.target + ' ' : ''}${mark} ${req} ${attempt.pickle.name} (${seconds.toFixed(1)}s)\n`);
    if (status === 'FAILED') {
      const failed = attempt.testCase.testSteps.find((s) => attempt.stepResults[s.id]?.status === 'FAILED');
      const message = failed ? attempt.stepResults[failed.id].message ?? '' : '';
      this.log(`        ${attempt.pickle.uri}: ${message.split('\n').slice(0, 6).join('\n        ')}\n`);
    }
  }
}

export { formatterHelpers };
