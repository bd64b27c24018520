import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { type INetworkPolicy, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { type IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, type IConfigMap, type IService, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseDockerfile } from './dockerfile.js';
import { appNames, DOCKERFILE } from './image.js';
import { KUSTOMIZATION_FIELDS, type LoadedObject, loadKustomization, parseQuantity, type RawObject } from './k8s.js';
import { REPO_ROOT, readRepoFile } from './repo.js';

/**
 * Offline checks of deploy/k8s: every object validated against the Kubernetes API schemas
 * (kubernetes-models), the operational rules of SPEC "Kubernetes" checked per Deployment, the
 * network policy checked against the Deployments' labels, and the apps derived from the repo, so
 * a new app without manifests fails here. `kubectl kustomize` runs only when kubectl is on PATH.
 */

const K8S_DIR = join(REPO_ROOT, 'deploy/k8s');
const NAMESPACE = 'basis';
const NAME_LABEL = 'app.kubernetes.io/name';
/** Who may call whom, beyond the gateway (which may call every service). SPEC: posts reaches users. */
const EXTRA_CALLERS: Record<string, string[]> = { users: ['posts'] };
/** Variable names whose value is a secret: never a literal `value:` in a manifest, never in a ConfigMap. */
const SECRETISH = /SECRET|PASSWORD|PRIVATE_KEY|PUBLIC_KEYS|_TOKEN$|DATABASE_URL|REDIS_URL|CREDENTIAL/;
/** uids of the named users of the node base image (`USER node` in docker/Dockerfile). */
const IMAGE_USERS: Record<string, number> = { node: 1000 };

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

const { objects, kustomizations } = loadKustomization(K8S_DIR, REPO_ROOT);
const ofKind = <T>(kind: string): T[] => objects.filter((o) => o.object.kind === kind).map((o) => o.object as T);
const deployments = ofKind<IDeployment>('Deployment');
const services = ofKind<IService>('Service');
const configMaps = ofKind<IConfigMap>('ConfigMap');
const policies = ofKind<INetworkPolicy>('NetworkPolicy');
const nameOf = (o: { metadata?: { name?: string } }): string => o.metadata?.name ?? '';
const podLabels = (d: IDeployment): Record<string, string> => d.spec?.template.metadata?.labels ?? {};
const container = (d: IDeployment) => {
  const found = d.spec?.template.spec?.containers.find((c) => c.name === nameOf(d));
  if (found === undefined) throw new Error(`Deployment ${nameOf(d)} has no container named after it`);
  return found;
};
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);

/** Apps of the repository: each ships an image (docker/Dockerfile with APP=<folder>) and must be deployed. */
const imageApps = appNames();

/**
 * The port an app's image listens on without PORT (its default: the `PORT=` line of its `.env.example`, which
 * the image's health check reads too) and the uid of the user docker/Dockerfile's runtime stage runs as.
 */
function dockerfileRuntime(app: string): { port: number; uid: number } {
  const runtime = parseDockerfile(readRepoFile(DOCKERFILE)).stages.at(-1);
  const last = (keyword: string) => runtime?.instructions.filter((i) => i.keyword === keyword).at(-1)?.args ?? '';
  const user = last('USER').split(':')[0] ?? '';
  const port = Number(/^PORT=(\d+)$/m.exec(readRepoFile(`apps/${app}/.env.example`))?.[1]);
  return { port, uid: /^\d+$/.test(user) ? Number(user) : (IMAGE_USERS[user] ?? 0) };
}

/** Variables an app documents in its `.env.example` (checked against its env schema by the app's own test). */
function documentedVariables(app: string): Set<string> {
  const path = join(REPO_ROOT, 'apps', app, '.env.example');
  if (!existsSync(path)) return new Set();
  return new Set([...readFileSync(path, 'utf8').matchAll(/^(?:#\s*)?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] ?? ''));
}

/** The Secrets the README's "Kubernetes" section creates: name → keys (`--from-literal` / `--from-file`). */
function documentedSecrets(): Map<string, Set<string>> {
  const readme = readRepoFile('README.md');
  const section = /^## Kubernetes\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  const secrets = new Map<string, Set<string>>();
  for (const command of section
    .replace(/\\\n\s*/g, ' ')
    .matchAll(/kubectl\b[^\n]*?create secret generic ([a-z0-9-]+)([^\n]*)/g)) {
    const keys = secrets.get(command[1] ?? '') ?? new Set<string>();
    for (const key of (command[2] ?? '').matchAll(/--from-(?:literal|file)=([A-Za-z0-9_.-]+)=/g))
      keys.add(key[1] ?? '');
    secrets.set(command[1] ?? '', keys);
  }
  return secrets;
}

/** Seconds the app's close-with-grace allows in-flight requests after SIGTERM (apps/<app>/src/main.ts). */
function closeDelaySeconds(app: string): number {
  const path = join(REPO_ROOT, 'apps', app, 'src/main.ts');
  const delay = existsSync(path)
    ? /closeWithGrace\(\{\s*delay:\s*([\d_]+)/.exec(readFileSync(path, 'utf8'))?.[1]
    : undefined;
  return delay === undefined ? 10 : Number(delay.replaceAll('_', '')) / 1000;
}

describe('deploy/k8s, read offline', () => {
  it('uses only the kustomization fields this check understands, with the basis namespace at the root', () => {
    for (const { file, content } of kustomizations) {
      expect(
        Object.keys(content).filter((k) => !(KUSTOMIZATION_FIELDS as readonly string[]).includes(k)),
        file,
      ).toEqual([]);
      expect(content.apiVersion, file).toBe('kustomize.config.k8s.io/v1beta1');
      expect(content.kind, file).toBe('Kustomization');
    }
    expect(kustomizations[0]?.content.namespace).toBe(NAMESPACE);
  });

  it.each(objects.map((o) => [`${o.file}: ${o.object.kind} ${nameOf(o.object)}`, o] as const))(
    'validates against the Kubernetes schema: %s',
    (_label, { object }: LoadedObject) => {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model, `no model registered for ${object.apiVersion}/${object.kind}`).toBeDefined();
      if (Model) expect(() => new Model(object as never).validate()).not.toThrow();
      expect(object.metadata.namespace, 'the root kustomization sets the namespace').toBeUndefined();
    },
  );

  it('names every object uniquely per kind', () => {
    const keys = objects.map((o) => `${o.object.kind}/${nameOf(o.object)}`);
    expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
  });

  it('deploys every app of the repository (a new app without manifests fails here)', () => {
    expect(imageApps.length).toBeGreaterThanOrEqual(2);
    const roots = (kustomizations[0]?.content.resources as string[] | undefined) ?? [];
    for (const app of imageApps) {
      expect(deployments.map(nameOf), `apps/${app} has no Deployment`).toContain(app);
      expect(roots, `deploy/k8s/kustomization.yaml lists ${app}`).toContain(app);
    }
  });

  it('never commits a Secret, and every Secret reference is one the README tells how to create', () => {
    expect(objects.filter((o) => o.object.kind === 'Secret')).toEqual([]);
    const documented = documentedSecrets();
    expect(documented.size).toBeGreaterThan(0);
    const referenced: string[] = [];
    for (const d of deployments) {
      for (const env of container(d).env ?? []) {
        const ref = env.valueFrom?.secretKeyRef;
        if (ref === undefined) continue;
        referenced.push(`${ref.name}/${ref.key}`);
        expect(documented.get(ref.name ?? '')?.has(ref.key), `${nameOf(d)}: ${ref.name}/${ref.key}`).toBe(true);
      }
      for (const from of container(d).envFrom ?? [])
        expect(from.secretRef, `${nameOf(d)}: name each key`).toBeUndefined();
    }
    const created = [...documented].flatMap(([name, keys]) => [...keys].map((key) => `${name}/${key}`));
    expect(
      created.filter((secret) => !referenced.includes(secret)),
      'documented but unused',
    ).toEqual([]);
  });

  it('keeps secrets out of ConfigMaps', () => {
    for (const map of configMaps)
      expect(
        Object.keys(map.data ?? {}).filter((k) => SECRETISH.test(k)),
        nameOf(map),
      ).toEqual([]);
  });

  it('lists every service in basis-config as <NAME>_SERVICE_URL, pointing at its Service', () => {
    const shared = configMaps.find((m) => nameOf(m) === 'basis-config')?.data ?? {};
    for (const d of deployments.filter((d) => nameOf(d) !== 'gateway')) {
      const service = services.find((s) => matches(s.spec?.selector, podLabels(d)));
      const port = service?.spec?.ports?.[0]?.port;
      expect(shared[`${nameOf(d).toUpperCase().replaceAll('-', '_')}_SERVICE_URL`], nameOf(d)).toBe(
        `http://${nameOf(service ?? {})}:${port}`,
      );
    }
  });
});

describe.each(deployments.map((d) => [nameOf(d), d] as const))('the %s Deployment', (app, deployment) => {
  const pod = deployment.spec?.template.spec;
  const main = container(deployment);
  const httpPort = main.ports?.find((p) => p.name === 'http')?.containerPort;
  const env = new Map((main.env ?? []).map((e) => [e.name, e]));
  const hasImage = imageApps.includes(app);

  it('selects its own pods by app.kubernetes.io/name, and runs the app image', () => {
    expect(deployment.spec?.selector.matchLabels).toEqual({ [NAME_LABEL]: app });
    expect(podLabels(deployment)[NAME_LABEL]).toBe(app);
    expect(main.image).toMatch(new RegExp(`^basis/${app}:[\\w.-]+$`));
    expect(pod?.containers).toHaveLength(1);
  });

  it("listens on the port of its image (the app's default), with PORT set to it", () => {
    expect(httpPort).toBeTypeOf('number');
    expect(env.get('PORT')?.value).toBe(String(httpPort));
    if (hasImage) expect(httpPort).toBe(dockerfileRuntime(app).port);
  });

  it('probes liveness on /healthz and readiness on /readyz, on its http port', () => {
    expect(main.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(main.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    if (main.startupProbe) expect(main.startupProbe.httpGet?.path).toBe('/healthz');
  });

  it('requests and limits cpu and memory, requests within limits', () => {
    for (const resource of ['cpu', 'memory'] as const) {
      const request = main.resources?.requests?.[resource];
      const limit = main.resources?.limits?.[resource];
      expect(request, `requests.${resource}`).toBeDefined();
      expect(limit, `limits.${resource}`).toBeDefined();
      expect(parseQuantity(String(request))).toBeLessThanOrEqual(parseQuantity(String(limit)));
    }
  });

  it("runs as the image's non-root user, no privilege escalation, no capabilities, read-only root with /tmp in an emptyDir", () => {
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    const uid = pod?.securityContext?.runAsUser ?? main.securityContext?.runAsUser;
    expect(uid).toBeGreaterThan(0);
    if (hasImage) expect(uid).toBe(dockerfileRuntime(app).uid);
    expect(main.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const tmp = main.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(pod?.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(pod?.automountServiceAccountToken).toBe(false);
  });

  it('gives its database by Secret when the app documents DATABASE_URL (no PGlite on a read-only root)', () => {
    // Each app's .env.example documents every variable its env schema reads (checked by that app's own test).
    const envExample = join(REPO_ROOT, 'apps', app, '.env.example');
    const readsDatabase = !existsSync(envExample) || /^#?\s*DATABASE_URL=/m.test(readFileSync(envExample, 'utf8'));
    if (app === 'gateway' || !readsDatabase) expect(env.has('DATABASE_URL')).toBe(false);
    else expect(env.get('DATABASE_URL')?.valueFrom?.secretKeyRef?.name).toBe(`${app}-database`);
  });

  it('takes secrets only from Secrets, and ConfigMaps that exist', () => {
    for (const [name, variable] of env) {
      if (SECRETISH.test(name)) {
        expect(variable.value, `${name} has a literal value`).toBeUndefined();
        expect(variable.valueFrom?.secretKeyRef, `${name} comes from a Secret`).toBeDefined();
      }
      const mapRef = variable.valueFrom?.configMapKeyRef;
      if (mapRef) expect(configMaps.find((m) => nameOf(m) === mapRef.name)?.data?.[mapRef.key]).toBeDefined();
    }
    for (const from of main.envFrom ?? []) {
      if (from.configMapRef) expect(configMaps.map(nameOf)).toContain(from.configMapRef.name);
    }
  });

  it.skipIf(!hasImage)('gives the app only variables it documents in its .env.example', () => {
    const documented = documentedVariables(app);
    const shared = new Set(Object.keys(configMaps.find((m) => nameOf(m) === 'basis-config')?.data ?? {}));
    const own = (main.envFrom ?? [])
      .map((f) => f.configMapRef?.name)
      .filter((name) => name !== undefined && name !== 'basis-config')
      .flatMap((name) => Object.keys(configMaps.find((m) => nameOf(m) === name)?.data ?? {}));
    expect([...env.keys(), ...own].filter((name) => !documented.has(name))).toEqual([]);
    // Shared settings are read by some app; each service URL is checked against its Service above.
    const everyDocumented = new Set(imageApps.flatMap((a) => [...documentedVariables(a)]));
    expect([...shared].filter((name) => !name.endsWith('_SERVICE_URL') && !everyDocumented.has(name))).toEqual([]);
  });

  it.skipIf(!hasImage)('is given every secret its .env.example documents (the one its JWT_ALGORITHM uses)', () => {
    const settings = Object.assign(
      {},
      ...(main.envFrom ?? []).map((f) => configMaps.find((m) => nameOf(m) === f.configMapRef?.name)?.data ?? {}),
    ) as Record<string, string>;
    const algorithm = settings.JWT_ALGORITHM ?? 'HS256';
    const unused = new Set(algorithm === 'HS256' ? ['JWT_PRIVATE_KEY', 'JWT_PREVIOUS_PUBLIC_KEYS'] : ['JWT_SECRET']);
    const wanted = [...documentedVariables(app)].filter((name) => SECRETISH.test(name) && !unused.has(name));
    expect(wanted.filter((name) => !env.has(name))).toEqual([]);
  });

  it('drains: a preStop sleep, then a grace period covering it and the close after SIGTERM', () => {
    const command = main.lifecycle?.preStop?.exec?.command ?? [];
    expect(command[0]).toBe('sleep');
    const sleep = Number(command[1]);
    expect(sleep).toBeGreaterThanOrEqual(3);
    expect(pod?.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(sleep + closeDelaySeconds(app) + 5);
  });

  it('rolls out one new pod at a time without taking one away first', () => {
    expect(deployment.spec?.strategy?.rollingUpdate).toMatchObject({ maxUnavailable: 0 });
  });

  it('keeps a disruption budget on its pods (node drains take one at a time)', () => {
    const budgets = ofKind<IPodDisruptionBudget>('PodDisruptionBudget').filter((b) =>
      matches(b.spec?.selector?.matchLabels, podLabels(deployment)),
    );
    expect(budgets).toHaveLength(1);
    expect(budgets[0]?.spec?.selector?.matchLabels).toEqual({ [NAME_LABEL]: app });
    expect(budgets[0]?.spec?.maxUnavailable ?? budgets[0]?.spec?.minAvailable).toBeDefined();
  });

  it('has a Service selecting its pods, on its http port', () => {
    const service = services.find((s) => nameOf(s) === app);
    expect(service?.spec?.selector).toEqual({ [NAME_LABEL]: app });
    expect(service?.spec?.ports?.map((p) => p.targetPort)).toEqual(['http']);
  });

  it('is reachable only by the apps allowed to call it (the gateway from anywhere)', () => {
    const applying = policies.filter((p) => matches(p.spec?.podSelector?.matchLabels, podLabels(deployment)));
    const named = applying.filter((p) => Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length > 0);
    expect(named.length, 'a policy of its own').toBe(1);
    const rules = named.flatMap((p) => p.spec?.ingress ?? []);
    for (const rule of rules) expect(rule.ports?.map((p) => p.port)).toEqual([httpPort]);
    const peers = rules.flatMap((r) => r.from ?? []);
    if (app === 'gateway') {
      expect(rules.length).toBe(1);
      expect(peers).toEqual([]);
      return;
    }
    for (const peer of peers) {
      expect(peer.namespaceSelector, 'pods of this namespace only').toBeUndefined();
      expect(peer.ipBlock).toBeUndefined();
    }
    const callers = peers
      .map((peer) => deployments.find((d) => matches(peer.podSelector?.matchLabels, podLabels(d)) && peer.podSelector))
      .map((d) => (d ? nameOf(d) : 'a selector matching no Deployment'));
    expect(callers.sort()).toEqual(['gateway', ...(EXTRA_CALLERS[app] ?? [])].sort());
  });
});

describe('the namespace-wide policy and the gateway autoscaler', () => {
  it('denies ingress by default to every pod of the namespace', () => {
    const deny = policies.find((p) => Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length === 0);
    expect(deny?.spec?.policyTypes).toEqual(['Ingress']);
    expect(deny?.spec?.ingress ?? []).toEqual([]);
  });

  it('autoscales the gateway Deployment (autoscaling/v2) from at least two replicas, and leaves replicas to it', () => {
    const [hpa, ...others] = ofKind<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    expect(others).toEqual([]);
    expect(hpa?.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' });
    expect(hpa?.spec?.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa?.spec?.maxReplicas).toBeGreaterThan(hpa?.spec?.minReplicas ?? 0);
    expect(deployments.find((d) => nameOf(d) === 'gateway')?.spec?.replicas).toBeUndefined();
  });
});

describe('kubectl kustomize deploy/k8s', () => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

  it('renders the same objects, in the basis namespace', (context) => {
    if (!kubectl) {
      context.skip('kubectl is not on PATH: the render is checked where it is (the offline checks above still ran)');
      return;
    }
    const output = execFileSync('kubectl', ['kustomize', K8S_DIR], { encoding: 'utf8' });
    const rendered = parseAllDocuments(output).map((d) => d.toJS() as RawObject);
    const key = (o: RawObject) => `${o.kind}/${o.metadata.name}`;
    expect(rendered.map(key).sort()).toEqual(objects.map((o) => key(o.object)).sort());
    for (const object of rendered) {
      expect(object.metadata.namespace, key(object)).toBe(NAMESPACE);
      expect(object.metadata.labels?.['app.kubernetes.io/part-of'], key(object)).toBe('basis');
    }
  });
});
