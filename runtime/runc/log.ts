import { appendFileSync } from 'node:fs';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/**
 * runc's logging as the shim consumes it: logrus lines in `--log` (json or text); without `--log`,
 * text on stderr. containerd-shim-runc-v2 reads the last "error" entry of log.json to build
 * "OCI runtime create failed: …", so that entry must hold the whole message.
 */
export class RuntimeLog {
  constructor(
    private readonly file: string | undefined,
    private readonly format: LogFormat,
    private readonly debugEnabled: boolean,
  ) {}

  debug(msg: string): void {
    if (this.debugEnabled) this.write('debug', msg);
  }

  info(msg: string): void {
    this.write('info', msg);
  }

  /** A fatal error as runc reports it: the log entry, plus the bare text on stderr when the log is a file. */
  fatal(msg: string): void {
    this.write('error', msg);
    if (this.file) process.stderr.write(`${msg}\n`);
  }

  private write(level: LogLevel, msg: string): void {
    const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const line =
      this.format === 'json'
        ? `${JSON.stringify({ level, msg, time })}\n`
        : `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
    if (!this.file) {
      process.stderr.write(line);
      return;
    }
    try {
      appendFileSync(this.file, line);
    } catch {
      process.stderr.write(line);
    }
  }
}
