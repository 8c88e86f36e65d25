// Go's `flag` package, the way the programs the reference stands in for read their command lines
// (docker-proxy, containerd-shim-runc-v2): one or two dashes, `-name value` or `-name=value`; a
// boolean flag takes no separate value (`-debug`, `-debug=false`); parsing stops at the first
// argument that is not a flag, or after a bare "--", and the rest are the arguments; -h and -help
// ask for the usage unless the program defines them. The error texts are the flag package's.
// runc's command line (urfave/cli, on the same package) is read with it too, in the mode that
// accepts flags it does not declare: ref-runc takes runc's flags that it does not model.

export class GoFlagError extends Error {
  constructor(
    message: string,
    /** -h/-help: Go prints the usage and exits 0 for an explicit request, 2 for an error */
    readonly helpRequested = false,
  ) {
    super(message);
  }
}

export interface GoFlagSpec {
  /** flags that take a value (string or number: the program converts it) */
  valued: readonly string[];
  bools?: readonly string[];
  /** 'accept': a flag not declared is taken, with its `=value` or as true, instead of refused */
  undeclared?: 'refuse' | 'accept';
}

export interface GoFlags {
  values: Map<string, string>;
  bools: Map<string, boolean>;
  /** what follows the flags (flag.Args()) */
  args: string[];
  /** every flag as given, in order: a flag given twice (runc exec's -e) appears twice */
  ordered: Array<[string, string | true]>;
}

/** strconv.ParseBool's spellings. */
const BOOL: Record<string, boolean> = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };

export function parseGoFlags(argv: readonly string[], spec: GoFlagSpec): GoFlags {
  const valued = new Set(spec.valued);
  const bools = new Set(spec.bools ?? []);
  const out: GoFlags = { values: new Map(), bools: new Map(), args: [], ordered: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (bools.has(name)) {
      const v = inline === undefined ? true : BOOL[inline];
      if (v === undefined) throw new GoFlagError(`invalid boolean value "${inline}" for -${name}: parse error`);
      out.bools.set(name, v);
      out.ordered.push([name, inline ?? true]);
      continue;
    }
    if (!valued.has(name)) {
      if (spec.undeclared === 'accept') {
        out.ordered.push([name, inline ?? true]);
        continue;
      }
      if (name === 'h' || name === 'help') throw new GoFlagError('flag: help requested', true);
      throw new GoFlagError(`flag provided but not defined: -${name}`);
    }
    let value: string;
    if (inline !== undefined) value = inline;
    else if (i + 1 < argv.length) value = argv[++i]!;
    else throw new GoFlagError(`flag needs an argument: -${name}`);
    out.values.set(name, value);
    out.ordered.push([name, value]);
  }
  out.args = argv.slice(i);
  return out;
}
