// containerd-shim-runc-v2's command line: Go's flag package (lib/go-flag.ts), so one or two dashes,
// `-flag value` or `-flag=value`, and the action (`start`, `delete`) as the first non-flag argument.
import { parseGoFlags } from '../../lib/go-flag.js';

export interface ShimFlags {
  namespace: string;
  id: string;
  address: string;
  publishBinary?: string;
  bundle?: string;
  debug: boolean;
  action?: string;
}

const VALUED = ['namespace', 'id', 'address', 'publish-binary', 'bundle'];

export function parseShimFlags(argv: string[]): ShimFlags {
  const flags = parseGoFlags(argv, { valued: VALUED, bools: ['debug'] });
  const values = Object.fromEntries(flags.values) as Record<string, string | undefined>;
  const debug = flags.bools.get('debug') ?? false;
  const action = flags.args[0];
  if (!values.id) throw new Error('shim id must be set');
  if (!values.address) throw new Error('containerd address must be set');
  return {
    namespace: values.namespace ?? 'moby',
    id: values.id,
    address: values.address,
    publishBinary: values['publish-binary'],
    bundle: values.bundle,
    debug,
    action,
  };
}

/** The running shim's arguments, as containerd-shim-runc-v2 shows them in `ps`. */
export function serveArgs(f: ShimFlags): string[] {
  return ['-namespace', f.namespace, '-id', f.id, '-address', f.address];
}
