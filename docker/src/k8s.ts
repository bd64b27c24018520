import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The fields of a `kustomization.yaml` that {@link loadKustomization} understands. */
export const KUSTOMIZATION_FIELDS = ['apiVersion', 'kind', 'namespace', 'labels', 'resources'] as const;

/** A Kubernetes object as read from YAML, before validation. */
export interface RawObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** One object and the file it came from (relative to the repository root). */
export interface LoadedObject {
  file: string;
  object: RawObject;
}

/** What {@link loadKustomization} found: every object, and every kustomization with its fields. */
export interface Kustomization {
  objects: LoadedObject[];
  /** Each `kustomization.yaml` read, with its parsed content, root first. */
  kustomizations: { file: string; content: Record<string, unknown> }[];
}

function parseYamlFile(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.map((e) => e.message).join('; ')}`);
    return document.toJS() as unknown;
  });
}

/**
 * Reads a Kustomize directory the way `kubectl kustomize` does for the subset Basis uses:
 * `resources` (files and directories with their own `kustomization.yaml`, recursively), with no
 * generators, patches or transformers. `namespace` and `labels` are not applied to the objects:
 * callers check them on the kustomization itself. Unknown fields are reported by the caller
 * through {@link KUSTOMIZATION_FIELDS}, so a new feature cannot be silently ignored here.
 * @param dir absolute path of the directory holding `kustomization.yaml`
 * @param root absolute path that `file` fields are made relative to
 * @returns every object with its file, and every kustomization read
 * @throws when a file is missing or is not valid YAML
 * @see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/resource/
 */
export function loadKustomization(dir: string, root: string): Kustomization {
  const file = join(dir, 'kustomization.yaml');
  const [content] = parseYamlFile(file) as [Record<string, unknown>];
  const result: Kustomization = { objects: [], kustomizations: [{ file: relative(root, file), content }] };
  const resources = Array.isArray(content.resources) ? (content.resources as string[]) : [];
  for (const resource of resources) {
    const path = join(dir, resource);
    if (existsSync(join(path, 'kustomization.yaml'))) {
      const nested = loadKustomization(path, root);
      result.objects.push(...nested.objects);
      result.kustomizations.push(...nested.kustomizations);
    } else {
      for (const object of parseYamlFile(path)) {
        if (object !== null) result.objects.push({ file: relative(root, path), object: object as RawObject });
      }
    }
  }
  return result;
}

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
const FACTOR: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/**
 * Converts a Kubernetes resource quantity (`250m`, `"1"`, `128Mi`) to a number of base units
 * (cores or bytes), for comparing requests with limits.
 * @throws on a form outside the usual decimal and binary suffixes
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */
export function parseQuantity(value: string | number): number {
  const match = QUANTITY.exec(String(value));
  if (match === null) throw new Error(`unsupported quantity ${value}`);
  return Number(match[1]) * (FACTOR[match[2] ?? ''] ?? Number.NaN);
}
