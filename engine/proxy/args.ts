// docker-proxy's command line, parsed the way Go's `flag` package does it, because dockerd (real or
// ref) builds it that way and a user may type it by hand: `-name value`, `--name value`,
// `-name=value`; an unknown flag prints Go's message and the usage and exits 2.

export type ProxyProto = 'tcp' | 'udp' | 'sctp';

export interface ProxyArgs {
  proto: string;
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

/** Text of `docker-proxy -h`, measured on Debian 12's docker.io 20.10.24 docker-proxy. */
export function usage(program: string): string {
  return [
    `Usage of ${program}:`,
    '  -container-ip string',
    '    \tcontainer ip',
    '  -container-port int',
    '    \tcontainer port (default -1)',
    '  -host-ip string',
    '    \thost ip',
    '  -host-port int',
    '    \thost port (default -1)',
    '  -proto string',
    '    \tproxy protocol (default "tcp")',
    '',
  ].join('\n');
}

export class FlagError extends Error {
  constructor(
    message: string,
    /** -h/-help: Go prints usage and exits 0 for an explicit request, 2 otherwise */
    readonly helpRequested = false,
  ) {
    super(message);
  }
}

const intFlags = new Set(['host-port', 'container-port']);
const stringFlags = new Set(['proto', 'host-ip', 'container-ip']);

export function parseArgs(argv: readonly string[]): ProxyArgs {
  const out: ProxyArgs = { proto: 'tcp', hostIp: '', hostPort: -1, containerIp: '', containerPort: -1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // Go's flag parsing stops at the first non-flag argument or at a bare "--".
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') break;
    let name = arg.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (name === 'h' || name === 'help') throw new FlagError('', true);
    if (!intFlags.has(name) && !stringFlags.has(name)) throw new FlagError(`flag provided but not defined: -${name}`);
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = argv[++i]!;
    }
    if (intFlags.has(name)) {
      if (!/^[+-]?\d+$/.test(value)) throw new FlagError(`invalid value "${value}" for flag -${name}: parse error`);
      const n = Number(value);
      if (name === 'host-port') out.hostPort = n;
      else out.containerPort = n;
    } else if (name === 'proto') out.proto = value;
    else if (name === 'host-ip') out.hostIp = value;
    else out.containerIp = value;
  }
  return out;
}
