import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { type KObject, toYaml } from './manifests';

// `mictract render --target kubernetes <spec> <dir>`: the manifests as files, for GitOps. One file per
// object, numbered in apply order, and a kustomization.yaml listing them (`kubectl apply -k <dir>`).
// Secrets are written too (0600): encrypt them (sealed-secrets, SOPS) before they go into a repository.

const HEADER = '# Rendered by mictract: `mictract render --target kubernetes`. Edit the spec, not these files.\n';

export const fileOf = (o: KObject, i: number): string => `${String(i).padStart(2, '0')}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;

/** Writes the objects into dir; files an earlier render listed and this one does not are removed. Returns the file names. */
export async function renderTo(dir: string, objects: readonly KObject[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const kustomization = path.join(dir, 'kustomization.yaml');
  const previous = await readFile(kustomization, 'utf8').then(
    (t) => (t.startsWith(HEADER) ? ((parse(t) as { resources?: string[] }).resources ?? []) : []),
    () => [] as string[],
  );
  const files = objects.map(fileOf);
  await Promise.all(objects.map((o, i) => writeFile(path.join(dir, files[i]!), HEADER + toYaml([o]), { mode: o.kind === 'Secret' ? 0o600 : 0o644 })));
  const stale = previous.filter((f) => !files.includes(f) && path.basename(f) === f);
  await Promise.all(stale.map((f) => rm(path.join(dir, f), { force: true })));
  await writeFile(kustomization, HEADER + stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files }));
  return files;
}
