// The device rules of linux.resources as cgroup v2 needs them. v1 took the rules one by one in
// devices.allow / devices.deny, each changing the current list; v2 has no such files, only a BPF
// program that answers each access. runc first plays the rules through v1's semantics and then
// compiles the result (a default and the exceptions to it); this is that first half. The native
// stage turns the result into the program (ref-runc-nsexec.c, "device cgroup").
import type { OciDeviceRule } from './spec.js';

export interface DeviceException {
  /** 'c', 'b' or 'a' (either) */
  type: string;
  /** -1 for any */
  major: number;
  minor: number;
  /** some of "rwm" */
  access: string;
}

export interface DeviceFilter {
  /** what happens to an access that no exception matches */
  defaultAllow: boolean;
  /** each has the opposite effect of the default */
  exceptions: DeviceException[];
}

const ACCESS_ORDER = 'rwm';

function normalAccess(access: string | undefined): string {
  const given = access ?? 'rwm';
  return [...ACCESS_ORDER].filter((c) => given.includes(c)).join('');
}

/** Rules that name every device: type "a" (or none) without major and minor. */
function isWildcard(rule: OciDeviceRule): boolean {
  const type = rule.type ?? 'a';
  return type === 'a' && (rule.major === undefined || rule.major === -1) && (rule.minor === undefined || rule.minor === -1);
}

/**
 * Plays the rules in order as v1 would: "deny all" empties the list and makes it an allow-list,
 * "allow all" a deny-list; a rule of the list's kind adds access to an entry, one of the other
 * kind takes access away from the entry for the same device.
 */
export function deviceFilter(rules: OciDeviceRule[]): DeviceFilter {
  // Nothing is allowed until a rule says so (runc's emulator starts the same way): a spec without
  // device rules still gets runc's defaults appended, and only those.
  let defaultAllow = false;
  let exceptions: DeviceException[] = [];
  for (const rule of rules) {
    if (isWildcard(rule)) {
      defaultAllow = rule.allow;
      exceptions = [];
      continue;
    }
    const entry: DeviceException = {
      type: rule.type ?? 'a',
      major: rule.major ?? -1,
      minor: rule.minor ?? -1,
      access: normalAccess(rule.access),
    };
    const same = exceptions.find((e) => e.type === entry.type && e.major === entry.major && e.minor === entry.minor);
    if (rule.allow !== defaultAllow) {
      if (same) same.access = normalAccess(same.access + entry.access);
      else exceptions.push(entry);
    } else if (same) {
      same.access = [...same.access].filter((c) => !entry.access.includes(c)).join('');
      if (same.access === '') exceptions = exceptions.filter((e) => e !== same);
    }
  }
  return { defaultAllow, exceptions };
}

/** The native stage's arguments for the program (see ref-runc-nsexec.c, parse_plan). */
export function deviceFilterArgs(dir: string, filter: DeviceFilter): string[] {
  const args = ['--device-cgroup', dir, filter.defaultAllow ? 'allow' : 'deny'];
  for (const e of filter.exceptions) args.push('--device-exception', e.type, String(e.major), String(e.minor), e.access);
  return args;
}
