// Hooks that run after the native stage is gone (poststart on start, poststop on delete): each
// gets the container's state on stdin, in the runtime's namespaces, with its own deadline.
import { spawnSync } from 'node:child_process';
import type { OciHook } from './spec.js';
import type { OciState } from './state-store.js';
import { RuntimeError } from './errors.js';

export function runHooks(hooks: OciHook[] | undefined, state: OciState): void {
  (hooks ?? []).forEach((hook, index) => {
    const [argv0, ...rest] = hook.args ?? [hook.path];
    const result = spawnSync(hook.path, rest, {
      argv0,
      input: JSON.stringify(state),
      env: Object.fromEntries((hook.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      timeout: hook.timeout ? hook.timeout * 1000 : undefined,
      killSignal: 'SIGKILL',
    });
    if (result.error) throw new RuntimeError(`error running hook #${index}: ${result.error.message}`);
    if (result.status !== 0) {
      throw new RuntimeError(`error running hook #${index}: exit status ${result.status ?? result.signal}, ` +
        `stdout: ${result.stdout.toString()}, stderr: ${result.stderr.toString()}`);
    }
  });
}
