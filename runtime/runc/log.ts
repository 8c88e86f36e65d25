import { appendFileSync, writeSync } from 'node:fs';

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
    if (this.file) toStderr(`${msg}\n`);
  }

  private write(level: LogLevel, msg: string): void {
    const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const line =
      this.format === 'json'
        ? `${JSON.stringify({ level, msg, time })}\n`
        : `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
    if (!this.file) {
      toStderr(line);
      return;
    }
    try {
      appendFileSync(this.file, line);
    } catch {
      toStderr(line);
    }
  }
}

// Not process.stderr: libuv would switch the descriptor to non-blocking mode, and create hands
// that same open file to the container as its stderr, where writes would then fail with EAGAIN.
function toStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr closed: nowhere left to report
  }
}
