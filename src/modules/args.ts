/**
 * A module's args are written once: as the JSON schema (draft 2020-12) that ajv validates and
 * `etcdplay modules NAME` documents. Their TypeScript type is derived from it at compile time:
 *
 *   const argsSchema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
 *   export type ThingArgs = ArgsOf<typeof argsSchema>;   // { name: string }
 *
 * Supported: properties/required (object-level oneOf/anyOf/not of `required` only constrain which
 * args go together and do not change the type), enum, const, anyOf/oneOf of typed schemas
 * (a union), string, integer/number, boolean, null, arrays with items, objects with
 * additionalProperties. Anything else is `unknown`.
 */

/** The derived type of a schema written `as const`. */
export type ArgsOf<S> = S extends { properties: infer P }
  ? Flat<Required_<P, S extends { required: readonly (infer R)[] } ? R : never> & Optional<P, S extends { required: readonly (infer R)[] } ? R : never>>
  : S extends { anyOf: readonly (infer A)[] }
    ? ArgsOf<A>
    : S extends { oneOf: readonly (infer A)[] }
      ? ArgsOf<A>
      : S extends { enum: readonly (infer E)[] }
        ? E
        : S extends { const: infer C }
          ? C
          : S extends { type: 'string' }
            ? string
            : S extends { type: 'integer' | 'number' }
              ? number
              : S extends { type: 'boolean' }
                ? boolean
                : S extends { type: 'null' }
                  ? null
                  : S extends { type: 'array'; items: infer I }
                    ? ArgsOf<I>[]
                    : S extends { type: 'array' }
                      ? unknown[]
                      : S extends { type: 'object'; additionalProperties: infer V }
                        ? V extends object ? Record<string, ArgsOf<V>> : Record<string, unknown>
                        : S extends { type: 'object' }
                          ? Record<string, unknown>
                          : unknown;

type Required_<P, R> = { -readonly [K in keyof P as K extends R ? K : never]: ArgsOf<P[K]> };
type Optional<P, R> = { -readonly [K in keyof P as K extends R ? never : K]?: ArgsOf<P[K]> };
type Flat<T> = { [K in keyof T]: T[K] };
