import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import { SPEC_EXAMPLES, networkSpecSchema, type NetworkSpecValues } from './schema';
import { SpecError, fieldPath, type SpecIssue } from './specerror';
import { buildNetwork, chaincodeService, listeners, type Network } from './network';

/** A spec that passed every check, with its resolved network. */
export interface LoadedSpec {
  readonly file: string;
  readonly values: NetworkSpecValues;
  readonly network: Network;
}

/** Reads, validates and resolves a spec file. Throws SpecError listing every problem; starts nothing. */
export async function loadSpec(file: string): Promise<LoadedSpec> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    throw new SpecError(file, [{ field: '', message: `cannot read the spec: ${await unreadable(absolute, err as NodeJS.ErrnoException)}` }]);
  }
  const values = parseSpec(text, file);
  const baseDir = path.dirname(absolute);
  const network = buildNetwork(values, (p) => path.resolve(baseDir, p));
  const issues = [...checkPortRange(values, network), ...(await checkChaincodeSources(values, network))];
  if (issues.length > 0) throw new SpecError(file, issues);
  return { file: absolute, values, network };
}

/** Parses and validates the YAML text (no file-system checks). */
export function parseSpec(text: string, file = 'spec'): NetworkSpecValues {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new SpecError(file, yamlIssues(doc.errors));
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SpecError(file, [{ field: '', message: 'must be a YAML mapping with name, orderers, organizations, channel and chaincodes; see examples/network.yaml' }]);
  }
  const result = networkSpecSchema.safeParse(raw);
  const issues: SpecIssue[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const at = fieldPath([...issue.path, key]);
          issues.push({ field: at, message: `unknown field; remove it or check its spelling (allowed here: ${allowedKeys(issue.path)})` });
        }
        continue;
      }
      if (issue.code === 'invalid_type' && isMissing(raw, issue.path)) {
        issues.push({ field: fieldPath(issue.path), message: missingMessage(issue.path) });
        continue;
      }
      issues.push({ field: fieldPath(issue.path), message: issue.message, value: valueAt(raw, issue.path) });
    }
    throw new SpecError(file, issues);
  }
  issues.push(...checkNames(result.data));
  if (issues.length > 0) throw new SpecError(file, issues);
  return result.data;
}

/** Why a spec file could not be read, and what to give instead. */
async function unreadable(absolute: string, err: NodeJS.ErrnoException): Promise<string> {
  switch (err.code) {
    case 'ENOENT':
      return 'no such file; check the path';
    case 'EISDIR': {
      const yamls = (await readdir(absolute).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).sort();
      if (yamls.length === 0) return `${absolute} is a folder, with no .yaml file in it; give the spec's YAML file itself, e.g. examples/network.yaml`;
      return `${absolute} is a folder; give the spec's YAML file itself: ${yamls.map((f) => path.join(absolute, f)).join(' or ')}`;
    }
    case 'EACCES':
      return `permission denied reading ${absolute}; make it readable (chmod u+r)`;
    default:
      return err.message;
  }
}

/**
 * The YAML parser's problems with their line and column, and its code frame (the lines around the
 * spot with a ^ under it), drawn once per spot.
 */
function yamlIssues(errors: readonly YAMLError[]): SpecIssue[] {
  const drawn = new Set<string>();
  return errors.map((e) => {
    const at = e.linePos?.[0];
    // prettyErrors: "<what> at line L, column C:\n\n<frame>\n"
    const [head = '', ...rest] = e.message.split('\n\n');
    const what = head.replace(/ at line \d+, column \d+:?$/, '');
    const frame = rest.join('\n\n').replace(/\n+$/, '');
    const spot = at ? `${at.line}:${at.col}` : '';
    const issue: SpecIssue = {
      field: '',
      message: `not valid YAML: ${what}; fix the syntax there`,
      ...(at ? { line: at.line, column: at.col } : {}),
      ...(frame && !drawn.has(spot) ? { frame } : {}),
    };
    drawn.add(spot);
    return issue;
  });
}

/** True when the field at `at` is absent from its mapping (not written at all, as opposed to empty). */
function isMissing(root: unknown, at: readonly PropertyKey[]): boolean {
  const key = at[at.length - 1];
  const parent = valueAt(root, at.slice(0, -1));
  return typeof key === 'string' && parent !== null && typeof parent === 'object' && !Array.isArray(parent) && !(key in parent);
}

function missingMessage(at: readonly PropertyKey[]): string {
  const key = String(at[at.length - 1]);
  const example = SPEC_EXAMPLES[at.map((k) => (typeof k === 'number' ? '[]' : String(k))).join('.').replace(/\.\[\]/g, '[]')];
  return example === undefined ? `missing; add ${key}` : `missing; add ${key}: ${example}`;
}

function checkNames(spec: NetworkSpecValues): SpecIssue[] {
  const issues: SpecIssue[] = [];
  // Org names become lower-case domains (org1.example.com), so compare them case-insensitively.
  const seen = new Map<string, string>([[spec.orderers.org.toLowerCase(), 'orderers.org']]);
  spec.organizations.forEach((org, i) => {
    const field = `organizations[${i}].name`;
    const first = seen.get(org.name.toLowerCase());
    if (first !== undefined) {
      issues.push({ field, value: org.name, message: `duplicate name, already used by ${first}; give every organization its own name` });
    } else seen.set(org.name.toLowerCase(), field);
  });
  // Chaincodes become host names (marbles.org1.example.com), where my_cc and My-CC are the same.
  const chaincodes = new Map<string, string>();
  spec.chaincodes.forEach((cc, i) => {
    const field = `chaincodes[${i}].name`;
    const first = chaincodes.get(chaincodeService(cc.name));
    if (first !== undefined) {
      issues.push({ field, value: cc.name, message: `duplicate name, already used by ${first} (names differing only in case or - versus _ clash); give every chaincode its own name (a new version goes in version, not in a second entry)` });
    } else chaincodes.set(chaincodeService(cc.name), field);
  });
  return issues;
}

function checkPortRange(spec: NetworkSpecValues, network: Network): SpecIssue[] {
  const last = listeners(network).reduce((max, l) => Math.max(max, l.endpoint.port), 0);
  const span = last - spec.ports.base + 1;
  return last > 65535
    ? [{ field: 'ports.base', value: spec.ports.base, message: `leaves too few ports: this network's ports reach ${span - 1} above the base; use a base of at most ${65535 - span + 1}` }]
    : [];
}

async function checkChaincodeSources(spec: NetworkSpecValues, network: Network): Promise<SpecIssue[]> {
  const issues: SpecIssue[] = [];
  for (const [i, cc] of network.chaincodes.entries()) {
    const field = `chaincodes[${i}].path`;
    const written = spec.chaincodes[i]?.path;
    const kind = await stat(cc.path).then(
      (s) => (s.isDirectory() ? 'dir' : 'file'),
      () => 'missing',
    );
    if (kind === 'missing') {
      issues.push({ field, value: written, message: `folder ${cc.path} does not exist; paths are relative to the spec file` });
    } else if (kind === 'file') {
      issues.push({ field, value: written, message: `${cc.path} is a file; give the chaincode's source folder (the one with package.json)` });
    } else if (!(await stat(path.join(cc.path, 'package.json')).then(() => true, () => false))) {
      issues.push({ field, value: written, message: `${cc.path} has no package.json; Mictract runs Node.js chaincode as a service and needs its package folder` });
    }
  }
  return issues;
}

function valueAt(root: unknown, at: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of at) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function allowedKeys(at: readonly PropertyKey[]): string {
  // Walk the schema's shape along the path to list the keys a user may write there.
  let schema: unknown = networkSpecSchema;
  for (const key of at) {
    schema = unwrap(schema);
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    const element = (schema as { element?: unknown }).element;
    schema = typeof key === 'number' ? element : shape?.[String(key)];
  }
  const shape = (unwrap(schema) as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape).join(', ') : '?';
}

function unwrap(schema: unknown): unknown {
  // Defaults and optionals wrap the schema that has the shape.
  let s = schema as { def?: { innerType?: unknown } } | undefined;
  while (s?.def?.innerType !== undefined) s = s.def.innerType as typeof s;
  return s;
}
