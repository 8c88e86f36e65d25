// containerd's filter syntax, as its List and Subscribe calls take it:
//
//   namespace==moby,topic~=|^/tasks/|     labels."com.docker/x"!=y     id
//
// Within one filter, comma-separated selectors must all hold; of several filters (a repeated
// field), any may match; none matches everything. A selector is a field path (dots; a segment may
// be quoted), optionally an operator (== equal, != not equal, ~= regular expression) and a value,
// bare or quoted with "…", /…/ or |…| (backslash escapes the quote). A path alone asks that the field
// be present and not empty.

export type FieldGetter = (path: string[]) => string | undefined;

interface Selector {
  path: string[];
  op?: '==' | '!=' | '~=';
  value?: string;
  re?: RegExp;
}

export type Filter = Selector[];

export class FilterSyntaxError extends Error {
  readonly grpcCode = 3; // InvalidArgument
}

const QUOTES = new Set(['"', '/', '|']);

function readQuoted(s: string, i: number): [string, number] {
  const q = s[i]!;
  let out = '';
  for (let j = i + 1; j < s.length; j++) {
    const ch = s[j]!;
    if (ch === '\\' && j + 1 < s.length) {
      const next = s[j + 1]!;
      // inside a regular expression only the quote itself is unescaped; \d and friends stay
      out += next === q ? q : q === '"' ? next : ch + next;
      j++;
      continue;
    }
    if (ch === q) return [out, j + 1];
    out += ch;
  }
  throw new FilterSyntaxError(`filters: unterminated quoted string in ${JSON.stringify(s)}: invalid argument`);
}

export function parseFilter(s: string): Filter {
  const out: Filter = [];
  let i = 0;
  const skipSpace = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const fail = (why: string): never => {
    throw new FilterSyntaxError(`filters: ${why} at ${i} in ${JSON.stringify(s)}: invalid argument`);
  };
  skipSpace();
  if (i >= s.length) return out;
  for (;;) {
    skipSpace();
    const path: string[] = [];
    for (;;) {
      if (s[i] === '"') {
        const [v, next] = readQuoted(s, i);
        path.push(v);
        i = next;
      } else {
        const m = /^[A-Za-z0-9_]+/.exec(s.slice(i));
        if (!m) fail('expected a field name');
        path.push(m![0]);
        i += m![0].length;
      }
      if (s[i] !== '.') break;
      i++;
    }
    skipSpace();
    const sel: Selector = { path };
    const op = s.slice(i, i + 2);
    if (op === '==' || op === '!=' || op === '~=') {
      i += 2;
      skipSpace();
      let value: string;
      if (QUOTES.has(s[i] ?? '')) [value, i] = readQuoted(s, i);
      else {
        const m = /^[A-Za-z0-9_.:@+-]+/.exec(s.slice(i));
        if (!m) fail('expected a value');
        value = m![0];
        i += value.length;
      }
      sel.op = op;
      sel.value = value;
      if (op === '~=') {
        try {
          sel.re = new RegExp(value);
        } catch {
          fail(`bad regular expression ${JSON.stringify(value)}`);
        }
      }
    }
    out.push(sel);
    skipSpace();
    if (i >= s.length) return out;
    if (s[i] !== ',') fail('expected ","');
    i++;
  }
}

/** Parse every filter of a request; the result matches when any of them does. */
export function parseFilters(list: readonly string[]): Filter[] {
  return list.filter((f) => f.trim() !== '').map(parseFilter);
}

function selectorHolds(sel: Selector, get: FieldGetter): boolean {
  const v = get(sel.path);
  switch (sel.op) {
    case undefined:
      return v !== undefined && v !== '';
    case '==':
      return v === sel.value;
    case '!=':
      return v !== sel.value;
    case '~=':
      return v !== undefined && sel.re!.test(v);
  }
}

export function matches(filters: readonly Filter[], get: FieldGetter): boolean {
  if (filters.length === 0) return true;
  return filters.some((f) => f.every((sel) => selectorHolds(sel, get)));
}

/** A getter over labels: `labels.<key>` (the key may hold dots when quoted). */
export function labelField(labels: Record<string, string> | undefined, path: string[]): string | undefined {
  if (path[0] !== 'labels' || path.length < 2) return undefined;
  return labels?.[path.slice(1).join('.')];
}
