/** Variables as YAML gives them: plain JSON-like data. */
export type Vars = Record<string, unknown>;
