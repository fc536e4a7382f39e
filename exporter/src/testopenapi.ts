import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// Test support: checks answers of the ledger API against ../openapi.yaml, for the subset of
// OpenAPI 3.0 the file uses ($ref, allOf, type, nullable, required, properties, items, enum, pattern,
// minLength/maxLength, minimum/maximum). Objects are closed: a property the schema does not name is
// an error, so the document cannot fall behind the server unnoticed.

type Schema = Record<string, unknown>;

export interface OpenApiDoc {
  readonly paths: Record<string, Record<string, { parameters?: Schema[]; responses: Record<string, Schema> }>>;
  readonly components: Record<string, Record<string, Schema>>;
}

export function loadOpenApi(): OpenApiDoc {
  return parse(readFileSync(path.resolve(__dirname, '../openapi.yaml'), 'utf8')) as OpenApiDoc;
}

export function resolve(doc: OpenApiDoc, schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const [, , group, name] = ref.split('/');
  const target = doc.components[group!]?.[name!];
  if (!target) throw new Error(`unresolved ${ref}`);
  return resolve(doc, target);
}

/** Merges allOf into one schema (properties and required united). */
function flatten(doc: OpenApiDoc, schema: Schema): Schema {
  const s = resolve(doc, schema);
  if (!Array.isArray(s.allOf)) return s;
  const parts = (s.allOf as Schema[]).map((p) => flatten(doc, p));
  return {
    ...Object.assign({}, ...parts),
    ...(s.nullable ? { nullable: true } : {}),
    properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
    required: parts.flatMap((p) => (p.required as string[] | undefined) ?? []),
  };
}

/** Problems of `value` against `schema`, each with its JSON path; empty when it conforms. */
export function validate(doc: OpenApiDoc, schema: Schema, value: unknown, at = '$'): string[] {
  const s = flatten(doc, schema);
  if (value === null) return s.nullable ? [] : [`${at}: null but not nullable`];
  const problems: string[] = [];
  const type = s.type ?? (s.properties ? 'object' : undefined);
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (type && !(type === actual || (type === 'number' && actual === 'integer'))) return [`${at}: ${actual}, expected ${String(type)}`];
  if (Array.isArray(s.enum) && !s.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(s.enum)}`);
  if (typeof value === 'string') {
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(value)) problems.push(`${at}: does not match ${s.pattern}`);
    if (typeof s.maxLength === 'number' && value.length > s.maxLength) problems.push(`${at}: longer than ${s.maxLength}`);
    if (typeof s.minLength === 'number' && value.length < s.minLength) problems.push(`${at}: shorter than ${s.minLength}`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) problems.push(`${at}: below ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) problems.push(`${at}: above ${s.maximum}`);
  }
  if (Array.isArray(value) && s.items) value.forEach((v, i) => problems.push(...validate(doc, s.items as Schema, v, `${at}[${i}]`)));
  if (actual === 'object' && s.properties) {
    const props = s.properties as Record<string, Schema>;
    const obj = value as Record<string, unknown>;
    for (const r of (s.required as string[] | undefined) ?? []) if (!(r in obj)) problems.push(`${at}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (!props[k]) problems.push(`${at}.${k}: not in the schema`);
      else problems.push(...validate(doc, props[k]!, v, `${at}.${k}`));
    }
  }
  return problems;
}

/** The response schema the document gives for a path template, method and status, or throws. */
export function responseSchema(doc: OpenApiDoc, template: string, method: string, status: number): Schema {
  const op = doc.paths[template]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${template} is not documented`);
  const response = op.responses[String(status)];
  if (!response) throw new Error(`${method} ${template} does not document status ${status} (documents ${Object.keys(op.responses).join(', ')})`);
  const r = resolve(doc, response) as { content?: Record<string, { schema: Schema }> };
  const schema = r.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${method} ${template} ${status} has no JSON schema`);
  return schema;
}
