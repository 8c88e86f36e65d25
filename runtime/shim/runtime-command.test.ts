import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Reaper } from './reaper.js';
import { lastRuntimeError, run, runtimeArgs } from './runtime-command.js';

test("the runtime is called with runc's global flags and its logged error is the message", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-cmd-'));
  const reaper = new Reaper();
  try {
    const runtime = path.join(dir, 'fake-runc');
    // logs an error the way runc does (JSON lines on --log) and fails
    fs.writeFileSync(runtime, `#!/bin/sh
echo "$@" > ${dir}/args
printf '%s\\n' '{"level":"info","msg":"starting"}' '{"level":"error","msg":"runc create failed: exec: \\"x\\": executable file not found in $PATH"}' >> "$4"
exit 1
`, { mode: 0o755 });
    const ctx = { runtimePath: runtime, runtimeRoot: '/run/r/moby', logFile: path.join(dir, 'log.json'), reaper };
    fs.writeFileSync(ctx.logFile, '{"level":"error","msg":"an older failure"}\n');
    await assert.rejects(run(ctx, ['create', '--bundle', dir, 'abc']), {
      message: 'OCI runtime create failed: runc create failed: exec: "x": executable file not found in $PATH',
    });
    assert.equal(fs.readFileSync(path.join(dir, 'args'), 'utf8').trim(), runtimeArgs(ctx, ['create', '--bundle', dir, 'abc']).join(' '));
    assert.equal(lastRuntimeError(ctx.logFile, 1_000_000), undefined);
    await assert.rejects(run({ ...ctx, runtimePath: path.join(dir, 'missing') }, ['start', 'abc']), /OCI runtime start failed: exec: .*ENOENT/);
  } finally {
    reaper.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
