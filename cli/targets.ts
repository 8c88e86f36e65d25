// The --target option that run, list, doctor and install-deps share: names, "all", and lists.
import { checkRequirements, TargetName } from './requirements.js';
import { usageError, type Options } from './command.js';

export const TARGET_OPTION: Options = { target: { type: 'string', short: 't' } };

/** Targets that `--target all` means: reference always, docker when dockerd is installed. */
export function availableTargets(): string[] {
  const dockerReady = checkRequirements(['docker' as TargetName]).every((r) => r.ok);
  return dockerReady ? ['reference', 'docker'] : ['reference'];
}

export function targetsOf(value: unknown, fallback: string): string[] {
  const t = typeof value === 'string' ? value : fallback;
  if (t === 'all') return availableTargets();
  const names = t.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) usageError('--target wants reference, docker, all or a variant');
  for (const name of names) if (!/^(reference|docker)(\+[a-z0-9-]+)?$/.test(name)) usageError(`unknown target "${name}" (reference, docker, all or a variant such as docker+ref-runc)`);
  return names;
}

export function baseTargets(targets: string[]): TargetName[] {
  return [...new Set(targets.map((t) => t.split('+')[0] as TargetName))];
}
