// Request bodies decoded the way dockerd's Go code decodes them, so that bad input gets Docker's
// answer: the syntax errors of Go's encoding/json scanner (a json.Decoder reads the first value and
// ignores what follows; json.Unmarshal wants exactly one value), its nesting limit of 10000 (which
// also keeps JSON.parse off deep recursion), and "cannot unmarshal X into Go struct field …" for
// values of the wrong type. Texts measured on dockerd 20.10.24 with the corpus in robustness/.
import { DockerError } from '../errors.js';
import { invalidPort } from '../network/errors.js';
import { B, EMPTY_STRUCT, S, SS, STRSLICE, int, type GoType } from '../go-types.js';
import { HOST_CONFIG_GO_TYPE } from '../host-config.js';

const MAX_DEPTH = 10000;

/** Go's quoteChar: the byte as strconv.Quote shows it, in single quotes. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
  if (named[c]) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if (c >= 0x80 && c < 0xa0) return `'\\u00${c.toString(16)}'`;
  return `'${String.fromCharCode(c)}'`;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

class SyntaxError_ extends Error {}
class Eof extends Error {}

/** Scan one JSON value from b[0…]; returns the index just past it. Throws SyntaxError_ or Eof. */
function scanValue(b: Buffer): number {
  const n = b.length;
  let i = 0;
  const stack: number[] = []; // 1 object, 2 array
  const bad = (c: number, ctx: string) => new SyntaxError_(`invalid character ${quoteChar(c)} ${ctx}`);
  const skip = () => {
    while (i < n && isSpace(b[i])) i++;
    if (i >= n) throw new Eof();
  };
  const str = () => {
    i++;
    for (;;) {
      if (i >= n) throw new Eof();
      const c = b[i];
      if (c === 0x22) return void i++;
      if (c === 0x5c) {
        i++;
        if (i >= n) throw new Eof();
        const e = b[i];
        if (e === 0x75) {
          for (let k = 1; k <= 4; k++) {
            if (i + k >= n) throw new Eof();
            if (!isHex(b[i + k])) throw bad(b[i + k], 'in \\u hexadecimal character escape');
          }
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) throw bad(e, 'in string escape code');
        i++;
        continue;
      }
      if (c < 0x20) throw bad(c, 'in string literal');
      i++;
    }
  };
  const digits = (ctx: string) => {
    if (i >= n) throw new Eof();
    if (!isDigit(b[i])) throw bad(b[i], ctx);
    while (i < n && isDigit(b[i])) i++;
  };
  const num = () => {
    if (b[i] === 0x2d) i++;
    if (i >= n) throw new Eof();
    if (b[i] === 0x30) i++;
    else digits('in numeric literal');
    if (i < n && b[i] === 0x2e) {
      i++;
      digits('after decimal point in numeric literal');
    }
    if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
      digits('in exponent of numeric literal');
    }
  };
  const literal = (word: string) => {
    for (let k = 1; k < word.length; k++) {
      if (i + k >= n) throw new Eof();
      if (b[i + k] !== word.charCodeAt(k)) throw bad(b[i + k], `in literal ${word} (expecting ${quoteChar(word.charCodeAt(k))})`);
    }
    i += word.length;
  };
  let expect: 'value' | 'value-or-close' | 'key' | 'key-or-close' = 'value';
  for (;;) {
    skip();
    let c = b[i];
    if (expect === 'key' || expect === 'key-or-close') {
      if (expect === 'key-or-close' && c === 0x7d) {
        stack.pop();
        i++;
      } else {
        if (c !== 0x22) throw bad(c, 'looking for beginning of object key string');
        str();
        skip();
        if (b[i] !== 0x3a) throw bad(b[i], 'after object key');
        i++;
        expect = 'value';
        continue;
      }
    } else if (expect === 'value-or-close' && c === 0x5d) {
      stack.pop();
      i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (stack.length >= MAX_DEPTH) throw bad(c, 'exceeded max depth');
      stack.push(c === 0x7b ? 1 : 2);
      i++;
      expect = c === 0x7b ? 'key-or-close' : 'value-or-close';
      continue;
    } else if (c === 0x22) str();
    else if (c === 0x2d || isDigit(c)) num();
    else if (c === 0x74) literal('true');
    else if (c === 0x66) literal('false');
    else if (c === 0x6e) literal('null');
    else throw bad(c, 'looking for beginning of value');
    // after a value: close as many containers as the input closes
    for (;;) {
      if (stack.length === 0) return i;
      skip();
      c = b[i];
      const top = stack[stack.length - 1];
      if (c === 0x2c) {
        i++;
        expect = top === 1 ? 'key' : 'value';
        break;
      }
      if ((top === 1 && c === 0x7d) || (top === 2 && c === 0x5d)) {
        stack.pop();
        i++;
        continue;
      }
      throw bad(c, top === 1 ? 'after object key:value pair' : 'after array element');
    }
  }
}

/** json.NewDecoder(body).Decode(&v): the first value; an empty body is "EOF". Errors are 500s in dockerd. */
export function decodeFirst(b: Buffer): unknown {
  let end: number;
  try {
    end = scanValue(b);
  } catch (err) {
    if (err instanceof Eof) throw new DockerError(500, b.toString('latin1').trim() === '' ? 'EOF' : 'unexpected EOF');
    throw new DockerError(500, (err as Error).message);
  }
  return JSON.parse(b.subarray(0, end).toString('utf8'));
}

/** json.Unmarshal(data, &v): exactly one value. */
export function unmarshal(text: string): unknown {
  const b = Buffer.from(text, 'utf8');
  let end: number;
  try {
    end = scanValue(b);
  } catch (err) {
    if (err instanceof Eof) throw new DockerError(500, 'unexpected end of JSON input');
    throw new DockerError(500, (err as Error).message);
  }
  for (let i = end; i < b.length; i++) {
    if (!isSpace(b[i])) throw new DockerError(500, `invalid character ${quoteChar(b[i])} after top-level value`);
  }
  return JSON.parse(text);
}

// ---- types ---------------------------------------------------------------------------------

const I = int;
const EMPTY = EMPTY_STRUCT;

/** runconfig.ContainerConfigWrapper: container.Config embedded, plus HostConfig. */
export const CONTAINER_CONFIG_WRAPPER: GoType = {
  k: 'struct',
  name: 'runconfig.ContainerConfigWrapper',
  go: 'ContainerConfigWrapper',
  fields: {
    Hostname: S,
    Domainname: S,
    User: S,
    AttachStdin: B,
    AttachStdout: B,
    AttachStderr: B,
    ExposedPorts: { k: 'map', elem: EMPTY, name: 'nat.PortSet' },
    Tty: B,
    OpenStdin: B,
    StdinOnce: B,
    Env: SS,
    Cmd: STRSLICE,
    ArgsEscaped: B,
    Image: S,
    Volumes: { k: 'map', elem: EMPTY, name: 'map[string]struct {}' },
    WorkingDir: S,
    Entrypoint: STRSLICE,
    NetworkDisabled: B,
    MacAddress: S,
    OnBuild: SS,
    Labels: { k: 'map', elem: S, name: 'map[string]string' },
    StopSignal: S,
    StopTimeout: I(),
    Shell: STRSLICE,
    HostConfig: HOST_CONFIG_GO_TYPE,
    NetworkingConfig: { k: 'any' },
  },
};

function kind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // string, number, object
}

/**
 * The first "json: cannot unmarshal …" error Go would report for `v` decoded into `t`, or
 * undefined. Go names the innermost struct and the field's dotted path from the top.
 */
export function typeError(v: unknown, t: GoType): string | undefined {
  const top = t as Extract<GoType, { k: 'struct' }>;
  if (v === null) return undefined;
  if (kind(v) !== 'object') return `json: cannot unmarshal ${kind(v)} into Go value of type ${top.name}`;
  let first: string | undefined;
  const walk = (val: unknown, type: GoType, struct: string, path: string): void => {
    if (first || val === null) return;
    const fail = (what: string, typeName: string) => {
      first ??= `json: cannot unmarshal ${what} into Go struct field ${struct}.${path} of type ${typeName}`;
    };
    const k = kind(val);
    switch (type.k) {
      case 'any':
        return;
      case 'ptr':
        return walk(val, type.elem, struct, path);
      case 'string':
        if (k !== 'string') fail(k, type.name ?? 'string');
        return;
      case 'bool':
        if (k !== 'bool') fail(k, 'bool');
        return;
      case 'int': {
        if (k !== 'number') return fail(k, type.name);
        const lim = type.name === 'int64' || type.name === 'int' ? 2 ** 63 : 2 ** 31;
        if (!Number.isInteger(val) || Math.abs(val as number) >= lim) fail(`number ${String(val)}`, type.name);
        return;
      }
      case 'strslice':
        // StrSlice takes a list of strings or one string; the error is the one of its second try
        if (k === 'string') return;
        if (k === 'array' && (val as unknown[]).every((x) => typeof x === 'string' || x === null)) return;
        return fail(k, 'string');
      case 'slice':
        if (k !== 'array') return fail(k, type.name);
        for (const x of val as unknown[]) walk(x, type.elem, struct, path);
        return;
      case 'map':
        if (k !== 'object') return fail(k, type.name);
        for (const x of Object.values(val as object)) walk(x, type.elem, struct, path);
        return;
      case 'struct': {
        if (k !== 'object') return fail(k, type.name);
        const byLower = new Map(Object.entries(type.fields).map(([f, ft]) => [f.toLowerCase(), [f, ft] as const]));
        for (const [key, x] of Object.entries(val as object)) {
          // Go matches field names without regard to case
          const hit = byLower.get(key.toLowerCase());
          if (!hit) continue;
          const [fname, ftype] = hit;
          walk(x, ftype, type.go || struct, path ? `${path}.${fname}` : fname);
        }
        return;
      }
    }
  };
  walk(v, t, top.go, '');
  return first;
}

/** dockerd's httputils.CheckForJSON: no Content-Type is fine, anything but JSON is a 400. */
export function checkForJson(contentType: string | undefined): void {
  if (!contentType) return;
  const mime = contentType.split(';')[0].trim().toLowerCase();
  if (mime !== 'application/json') throw new DockerError(400, `Content-Type specified (${contentType}) must be 'application/json'`);
}

/** nat.ParsePortRange as dockerd applies it to PortBindings keys and host ports. */
function validPortRange(s: string): boolean {
  const parts = s.split('-');
  if (parts.length > 2) return false;
  const nums = parts.map((p) => (/^\d{1,5}$/.test(p) ? Number(p) : NaN));
  if (nums.some((x) => !(x >= 0 && x <= 65535))) return false;
  return nums.length === 1 || nums[0] <= nums[1];
}

export function checkPortBindings(pb: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | undefined): void {
  for (const [key, bindings] of Object.entries(pb ?? {})) {
    const port = key.split('/')[0];
    if (!validPortRange(port)) throw invalidPort(port);
    for (const b of bindings ?? []) {
      const hp = b?.HostPort ?? '';
      if (hp !== '' && !validPortRange(hp)) throw invalidPort(hp);
    }
  }
}

/** reference.ParseNormalizedNamed's first check, which the CLI shows as is. */
export function checkReferenceCase(ref: string): void {
  const name = ref.split('@')[0];
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  // a tag may hold capitals; the repository may not
  if (/[A-Z]/.test(colon > slash ? name.slice(0, colon) : name)) throw new DockerError(400, 'invalid reference format: repository name must be lowercase');
}
