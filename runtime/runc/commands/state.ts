import type { CommandArgs, RuntimeContext } from '../context.js';
import { errors } from '../errors.js';

/** `state <id>`: runc's JSON, indented by two spaces as runc prints it. */
export function state(ctx: RuntimeContext, args: CommandArgs): number {
  const id = args.positionals[0];
  if (!id) throw errors.missingId('state');
  const record = ctx.store.load(id);
  process.stdout.write(`${JSON.stringify(ctx.store.ociState(record), null, 2)}\n`);
  return 0;
}
