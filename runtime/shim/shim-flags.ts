// containerd-shim-runc-v2's command line: Go's flag package, so one or two dashes, `-flag value` or
// `-flag=value`, and the action (`start`, `delete`) as the first non-flag argument.

export interface ShimFlags {
  namespace: string;
  id: string;
  address: string;
  publishBinary?: string;
  bundle?: string;
  debug: boolean;
  action?: string;
}

const valued = new Set(['namespace', 'id', 'address', 'publish-binary', 'bundle']);

export function parseShimFlags(argv: string[]): ShimFlags {
  const values: Record<string, string> = {};
  let debug = false;
  let action: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) {
      action ??= arg;
      continue;
    }
    const [name, inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === 'debug') {
      debug = inline === undefined || inline === 'true';
    } else if (valued.has(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`flag needs an argument: -${name}`);
      values[name] = v;
    } else {
      throw new Error(`flag provided but not defined: -${name}`);
    }
  }
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
