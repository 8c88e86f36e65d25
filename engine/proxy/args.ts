// docker-proxy's command line, parsed the way Go's `flag` package does it, because dockerd (real or
// ref) builds it that way and a user may type it by hand: `-name value`, `--name value`,
// `-name=value` (lib/go-flag.ts); an unknown flag prints Go's message and the usage and exits 2.
import { GoFlagError, parseGoFlags } from '../../lib/go-flag.js';

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

// Go's flag package's error, under the name the proxy's main knows it by.
export { GoFlagError as FlagError } from '../../lib/go-flag.js';

const intFlags = new Set(['host-port', 'container-port']);
const stringFlags = new Set(['proto', 'host-ip', 'container-ip']);

export function parseArgs(argv: readonly string[]): ProxyArgs {
  const out: ProxyArgs = { proto: 'tcp', hostIp: '', hostPort: -1, containerIp: '', containerPort: -1 };
  const { values } = parseGoFlags(argv, { valued: [...intFlags, ...stringFlags] });
  for (const [name, value] of values) {
    if (intFlags.has(name)) {
      if (!/^[+-]?\d+$/.test(value)) throw new GoFlagError(`invalid value "${value}" for flag -${name}: parse error`);
      const n = Number(value);
      if (name === 'host-port') out.hostPort = n;
      else out.containerPort = n;
    } else if (name === 'proto') out.proto = value;
    else if (name === 'host-ip') out.hostIp = value;
    else out.containerIp = value;
  }
  return out;
}
