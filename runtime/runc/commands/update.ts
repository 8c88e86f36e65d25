import { readFileSync } from 'node:fs';
import type { CommandArgs, RuntimeContext } from '../context.js';
import { flagString } from '../context.js';
import { RuntimeError, errors } from '../errors.js';
import type { OciResources } from '../spec.js';
import { applyResources } from '../cgroups.js';

/** `update --resources <file|-> <id>`: new linux.resources for a running container (`docker update`). */
export function update(ctx: RuntimeContext, args: CommandArgs): number {
  const id = args.positionals[0];
  if (!id) throw errors.missingId('update');
  const record = ctx.store.load(id);
  const source = flagString(args, 'resources', 'r');
  if (!source) throw new RuntimeError('update: only --resources is supported');
  const resources = JSON.parse(readFileSync(source === '-' ? 0 : source, 'utf8')) as OciResources;
  applyResources(record.cgroupPaths, resources);
  return 0;
}
