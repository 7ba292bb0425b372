// One ajv (JSON Schema 2020-12) per purpose, compiled once per schema: request bodies are checked as sent;
// path and query parameters arrive as text, so they are coerced ("25" → 25, "true" → true) and get defaults.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

function makeAjv(coerce: boolean): Ajv2020 {
  // strict off: TypeBox adds keywords ajv does not know (e.g. `default` on optional members is fine, but
  // descriptions on unions are reported in strict mode).
  const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes: coerce, useDefaults: coerce, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

const exact = makeAjv(false);
const coercing = makeAjv(true);
const cache = new WeakMap<TSchema, { exact?: ValidateFunction; coercing?: ValidateFunction }>();

function compiled(schema: TSchema, coerce: boolean): ValidateFunction {
  let entry = cache.get(schema);
  if (!entry) cache.set(schema, (entry = {}));
  const key = coerce ? 'coercing' : 'exact';
  // $id is for the OpenAPI components; ajv would refuse a second schema with the same $id, so compile a copy.
  return (entry[key] ??= (coerce ? coercing : exact).compile(stripIds(schema) as object));
}

function stripIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripIds);
  if (schema && typeof schema === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema)) if (k !== '$id') out[k] = stripIds(v);
    return out;
  }
  return schema;
}

export interface Problem {
  field: string;
  message: string;
}

function problemsOf(errors: ErrorObject[] | null | undefined, prefix: string): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const e of errors ?? []) {
    const path = [prefix, ...e.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.');
    let field = path;
    let message = e.message ?? 'invalid';
    if (e.keyword === 'additionalProperties') {
      field = [path, String(e.params.additionalProperty).slice(0, 64)].filter(Boolean).join('.');
      message = 'unknown field';
    } else if (e.keyword === 'required') {
      field = [path, String(e.params.missingProperty)].filter(Boolean).join('.');
      message = 'required';
    } else if (e.keyword === 'enum' || e.keyword === 'const') {
      message = `must be one of ${JSON.stringify(e.params.allowedValues ?? e.params.allowedValue)}`;
    }
    const key = `${field}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field: field || '(root)', message });
    if (out.length >= 20) break;
  }
  return out;
}

/** Checks (and, when `coerce`, converts in place) `value`; returns the problems, empty when valid. */
export function check(schema: TSchema, value: unknown, options: { coerce?: boolean; prefix?: string } = {}): Problem[] {
  const validate = compiled(schema, !!options.coerce);
  return validate(value) ? [] : problemsOf(validate.errors, options.prefix ?? '');
}
