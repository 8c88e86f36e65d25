// The --target option that run, list, doctor and install-deps share: names, "all", and lists.
import { checkRequirements, TargetName } from './requirements.js';
import { bundleInstalled } from '../harness/targets/bundles.js';
import { requirementTarget } from './bundle-deps.js';
import { usageError, type Options } from './command.js';

export const TARGET_OPTION: Options = { target: { type: 'string', short: 't' } };

/** Targets that `--target all` means: reference always, docker when dockerd is installed, docker26 when fetched. */
export function availableTargets(): string[] {
  const dockerReady = checkRequirements(['docker' as TargetName]).every((r) => r.ok);
  if (!dockerReady) return ['reference'];
  return bundleInstalled('docker26') ? ['reference', 'docker', 'docker26'] : ['reference', 'docker'];
}

export function targetsOf(value: unknown, fallback: string): string[] {
  const t = typeof value === 'string' ? value : fallback;
  if (t === 'all') return availableTargets();
  const names = t.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) usageError('--target wants reference, docker, docker26, all or a variant');
  for (const name of names) if (!/^(reference|docker|docker26)(\+[a-z0-9-]+)?$/.test(name)) usageError(`unknown target "${name}" (reference, docker, docker26, all or a variant such as docker+ref-runc)`);
  return names;
}

/** The targets whose machine requirements (cli/requirements.ts) the given targets have. */
export function baseTargets(targets: string[]): TargetName[] {
  return [...new Set(targets.map(requirementTarget))];
}
