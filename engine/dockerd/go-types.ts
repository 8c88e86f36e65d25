// Go types as dockerd's request structs declare them, described as data: the create decoder
// (api/go-json.ts) walks a body against them to give Go's "cannot unmarshal" errors, and GoValue
// turns a description into the TypeScript type of the decoded value, so that one table can serve
// both (see host-config.ts).

export type GoType =
  | { k: 'string'; name?: string }
  | { k: 'bool' }
  | { k: 'int'; name: string }
  /** a pointer: null stands for nil; Go names the pointed-to type in its errors */
  | { k: 'ptr'; elem: GoType }
  | { k: 'slice'; elem: GoType; name: string }
  | { k: 'map'; elem: GoType; name: string }
  | { k: 'struct'; name: string; go: string; fields: Record<string, GoType> }
  /** strslice.StrSlice: a list of strings, or one string */
  | { k: 'strslice' }
  /** not checked by the decoder */
  | { k: 'any' };

/** The TypeScript type of a value that decodes into `T` (nil slices and maps are null); the depth
 * limit keeps the checker from unfolding GoType itself forever (dockerd nests 4 levels at most). */
export type GoValue<T, Depth extends unknown[] = []> = Depth['length'] extends 6
  ? unknown
  : T extends { k: 'string' }
    ? string
    : T extends { k: 'bool' }
      ? boolean
      : T extends { k: 'int' }
        ? number
        : T extends { k: 'ptr'; elem: infer E }
          ? GoValue<E, [...Depth, 1]> | null
          : T extends { k: 'strslice' }
            ? string[] | null
            : T extends { k: 'slice'; elem: infer E }
              ? Array<GoValue<E, [...Depth, 1]>> | null
              : T extends { k: 'map'; elem: infer E }
                ? Record<string, GoValue<E, [...Depth, 1]>>
                : T extends { k: 'struct'; fields: infer F }
                  ? { [K in keyof F]: GoValue<F[K], [...Depth, 1]> }
                  : unknown;

export const S = { k: 'string' } as const;
export const B = { k: 'bool' } as const;
export const STRSLICE = { k: 'strslice' } as const;
export const ANY = { k: 'any' } as const;
export const SS = { k: 'slice', elem: S, name: '[]string' } as const;
export const EMPTY_STRUCT = { k: 'struct', name: 'struct {}', go: '', fields: {} } as const;

/** A named string type such as container.NetworkMode. */
export const str = (name: string) => ({ k: 'string', name }) as const;
export const int = (name = 'int') => ({ k: 'int', name }) as const;
export const ptr = <E extends GoType>(elem: E) => ({ k: 'ptr', elem }) as const;
export const slice = <E extends GoType>(elem: E, name: string) => ({ k: 'slice', elem, name }) as const;
export const map = <E extends GoType>(elem: E, name: string) => ({ k: 'map', elem, name }) as const;
export const struct = <F extends Record<string, GoType>>(name: string, go: string, fields: F) => ({ k: 'struct', name, go, fields }) as const;
