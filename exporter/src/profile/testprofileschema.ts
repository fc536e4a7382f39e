import { readFileSync } from 'node:fs';

// Test support: checks a .cpuprofile or .heapprofile against the format's own schema, the type
// definitions of the Chrome DevTools protocol (Profiler.Profile, HeapProfiler.SamplingHeapProfile in
// the devtools-protocol package's js_protocol.json), which is what DevTools and speedscope read.

interface ProtocolType {
  readonly id?: string;
  readonly type?: string;
  readonly $ref?: string;
  readonly optional?: boolean;
  readonly name?: string;
  readonly properties?: readonly ProtocolType[];
  readonly items?: ProtocolType;
  readonly enum?: readonly string[];
}

let types: Map<string, ProtocolType> | undefined;

function protocolTypes(): Map<string, ProtocolType> {
  if (!types) {
    const protocol = JSON.parse(readFileSync(require.resolve('devtools-protocol/json/js_protocol.json'), 'utf8')) as { domains: { domain: string; types?: ProtocolType[] }[] };
    types = new Map(protocol.domains.flatMap((d) => (d.types ?? []).map((t) => [`${d.domain}.${t.id}`, t] as const)));
  }
  return types;
}

/** Every place `value` breaks the protocol type `typeName` (e.g. "Profiler.Profile"); empty when it conforms. */
export function protocolViolations(typeName: string, value: unknown): string[] {
  const out: string[] = [];
  const domain = typeName.split('.')[0]!;
  const check = (t: ProtocolType, v: unknown, at: string, dom: string): void => {
    if (t.$ref) {
      const name = t.$ref.includes('.') ? t.$ref : `${dom}.${t.$ref}`;
      const ref = protocolTypes().get(name);
      if (!ref) return void out.push(`${at}: unknown type ${name}`);
      return check(ref, v, at, name.split('.')[0]!);
    }
    switch (t.type) {
      case 'integer':
        if (!Number.isInteger(v)) out.push(`${at}: not an integer`);
        return;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) out.push(`${at}: not a number`);
        return;
      case 'string':
        if (typeof v !== 'string') out.push(`${at}: not a string`);
        else if (t.enum && !t.enum.includes(v)) out.push(`${at}: ${v} is not one of ${t.enum.join(', ')}`);
        return;
      case 'boolean':
        if (typeof v !== 'boolean') out.push(`${at}: not a boolean`);
        return;
      case 'array':
        if (!Array.isArray(v)) return void out.push(`${at}: not an array`);
        v.forEach((x, i) => check(t.items!, x, `${at}[${i}]`, dom));
        return;
      case 'object': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return void out.push(`${at}: not an object`);
        const rec = v as Record<string, unknown>;
        for (const p of t.properties ?? []) {
          if (rec[p.name!] === undefined) {
            if (!p.optional) out.push(`${at}.${p.name}: missing`);
          } else check(p, rec[p.name!], `${at}.${p.name}`, dom);
        }
        const known = new Set((t.properties ?? []).map((p) => p.name));
        for (const k of Object.keys(rec)) if (t.properties && !known.has(k)) out.push(`${at}.${k}: not in the protocol`);
        return;
      }
      default:
        return;
    }
  };
  const t = protocolTypes().get(typeName);
  if (!t) return [`unknown type ${typeName}`];
  check(t, value, typeName, domain);
  return out.slice(0, 20);
}
