// dockspec's console formatter for cucumber-js: on a terminal one bar, redrawn in place; anywhere
// else one line per finished scenario. Both start with a line as soon as the run starts (before
// the first scenario, which may take a while on a loaded machine) and count outcomes the way the
// reports do: a failure listed in deviations/<target>.json is an expected deviation, not FAIL.
import { join } from 'node:path';
import { Formatter, IFormatterOptions } from '@cucumber/cucumber';
import { COUNT_ORDER, Outcome, StepStatus, formatCounts, loadDeviations, outcomeOf } from './outcomes.js';

const MARK: Record<Outcome, string> = { passed: 'ok  ', deviation: 'dev ', 'unexpected-pass': 'ok? ', failed: 'FAIL', skipped: 'skip' };

export default class ProgressFormatter extends Formatter {
  static override readonly documentation = 'dockspec progress: a bar on a terminal, one line per scenario elsewhere';
  private total = 0;
  private readonly counts = Object.fromEntries(COUNT_ORDER.map((o) => [o, 0])) as Record<Outcome, number>;
  private readonly running = new Map<string, string>();
  private readonly target: string;
  private readonly deviations: Record<string, string>;
  private readonly tty: boolean;
  private announced = false;
  private readonly startedAt = Date.now();
  /** on a terminal the bar's clock ticks, so that a long scenario does not look like a hang */
  private ticker?: NodeJS.Timeout;

  constructor(options: IFormatterOptions) {
    super(options);
    this.target = process.env.DOCKSPEC_TARGET ?? String((options.parsedArgvOptions.worldParameters as { target?: string } | undefined)?.target ?? '');
    this.deviations = this.target ? loadDeviations(this.target, join(options.cwd, 'deviations')) : {};
    this.tty = Boolean((options.stream as NodeJS.WriteStream).isTTY) && !process.env.CI;
    options.eventBroadcaster.on('envelope', (envelope) => {
      if (envelope.testCase) this.total++;
      else if (envelope.testRunStarted) this.announce();
      else if (envelope.testCaseStarted) {
        this.announce();
        const tc = this.eventDataCollector.getTestCaseAttempt(envelope.testCaseStarted.id);
        this.running.set(envelope.testCaseStarted.id, tc.pickle.name);
        this.draw();
      } else if (envelope.testCaseFinished) {
        this.running.delete(envelope.testCaseFinished.testCaseStartedId);
        if (!envelope.testCaseFinished.willBeRetried) this.onFinished(envelope.testCaseFinished.testCaseStartedId);
      } else if (envelope.testRunFinished) this.finish();
    });
  }

  private get done(): number {
    return COUNT_ORDER.reduce((n, o) => n + this.counts[o], 0);
  }

  private announce(): void {
    if (this.announced) return;
    this.announced = true;
    if (this.tty) this.ticker = setInterval(() => this.draw(), 1000).unref();
    // cucumber-js announces the test cases only as they start: the count comes with the first line.
    this.log(`${this.target || 'dockspec'}: test run started\n`);
  }

  private onFinished(testCaseStartedId: string): void {
    const attempt = this.eventDataCollector.getTestCaseAttempt(testCaseStartedId);
    const status = attempt.worstTestStepResult.status as StepStatus;
    const seconds = Object.values(attempt.stepResults ?? {}).reduce((s, r) => s + (r.duration ? r.duration.seconds + r.duration.nanos / 1e9 : 0), 0);
    const reqIds = attempt.pickle.tags.map((t) => t.name).filter((t) => t.startsWith('@req:')).map((t) => t.slice(5));
    const { outcome } = outcomeOf(status, reqIds, this.deviations);
    this.counts[outcome]++;
    const line = `[${String(this.done).padStart(3)}/${this.total}] ${this.target ? this.target + ' ' : ''}${MARK[outcome]} ${reqIds.join(' ')} ${attempt.pickle.name} (${seconds.toFixed(1)}s)\n`;
    let detail = '';
    if (outcome === 'failed' || outcome === 'deviation') {
      const failed = attempt.testCase.testSteps.find((s) => attempt.stepResults[s.id]?.status === status);
      const message = failed ? (attempt.stepResults[failed.id].message ?? '') : '';
      detail = `        ${attempt.pickle.uri}: ${message.split('\n').slice(0, outcome === 'failed' ? 6 : 1).join('\n        ')}\n`;
    }
    // On a terminal only what needs reading stays on screen (failures); the bar carries the rest.
    if (!this.tty) this.log(line + detail);
    else if (outcome === 'failed' || outcome === 'unexpected-pass') this.above(line + detail);
    else this.draw();
  }

  private above(text: string): void {
    this.log(`\r\x1b[2K${text}`);
    this.draw();
  }

  private draw(): void {
    if (!this.tty) return;
    const width = Math.max(40, (this.stream as NodeJS.WriteStream).columns ?? 100);
    const done = this.done;
    const cells = 20;
    const filled = this.total ? Math.round((done / this.total) * cells) : 0;
    const elapsed = Math.round((Date.now() - this.startedAt) / 1000);
    const current = [...this.running.values()].at(-1) ?? '';
    const counts = COUNT_ORDER.filter((o) => this.counts[o]).map((o) => `${this.counts[o]} ${MARK[o].trim()}`).join(' ');
    const text = `${this.target} [${'#'.repeat(filled)}${'.'.repeat(cells - filled)}] ${done}/${this.total} ${elapsed}s ${counts}${current ? ` · ${current}` : ''}`;
    this.log(`\r\x1b[2K${text.slice(0, width - 1)}`);
  }

  private finish(): void {
    clearInterval(this.ticker);
    if (this.tty) this.log('\r\x1b[2K');
    this.log(`${this.target ? this.target + ': ' : ''}${formatCounts(this.counts)} (${Math.round((Date.now() - this.startedAt) / 1000)}s)\n`);
  }
}
