/**
 * Where a V8 CPU profile (from `node --cpu-prof`) spent its time: self time by function, total
 * (inclusive) time by function, and self time by package.
 */

/** The parts of V8's `.cpuprofile` JSON this reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One line of a summary: a label and its time in ms. */
export interface Row {
  readonly label: string;
  readonly ms: number;
}

/** Self time, total time and per-package self time of a profile, in ms, biggest first. */
export interface ProfileSummary {
  /** All sampled time, idle included. */
  readonly sampledMs: number;
  readonly idleMs: number;
  readonly self: readonly Row[];
  readonly total: readonly Row[];
  readonly packages: readonly Row[];
  /** Self time of the leaves matching `callersOf`, by their chain of callers (`leaf ← caller ← …`). */
  readonly callers: readonly Row[];
}

/** What else {@link summarize} should work out. */
export interface SummaryOptions {
  /** Break down the self time of leaf frames whose label contains this text by caller chain. */
  readonly callersOf?: string;
  /** How many callers each chain shows; 4 by default. */
  readonly callerDepth?: number;
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** `node_modules/<pkg>` (scoped too), `node:<builtin>`, `app`, or the V8 pseudo-frame name. */
export function packageOf(url: string, functionName: string): string {
  if (SPECIAL.has(functionName)) return functionName;
  if (url === '') return '(native / V8 builtins)';
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    return `node:${parts[0] === 'internal' ? parts.slice(0, 2).join('/') : parts[0]}`;
  }
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match?.[1] !== undefined) return match[1];
  const app = /\/(apps|packages)\/([^/]+)\//.exec(url);
  return app ? `${app[1]}/${app[2]}` : url;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const app = /\/((?:apps|packages)\/.*)$/.exec(url);
  return app?.[1] ?? url.replace(/^file:\/\//, '');
}

function sorted(map: Map<string, number>): Row[] {
  return [...map.entries()].map(([label, ms]) => ({ label, ms })).sort((x, y) => y.ms - x.ms);
}

/**
 * Attributes every sample's time delta to its leaf frame (self), to every distinct frame on
 * its stack (total), and to the leaf's package.
 * @returns the summary; time in ms.
 */
export function summarize(profile: CpuProfile, options: SummaryOptions = {}): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (id: number): string => {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return '?';
    if (SPECIAL.has(frame.functionName)) return frame.functionName;
    const where = frame.url === '' ? '' : ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    return `${frame.functionName || '(anonymous)'}${where}`;
  };

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const packages = new Map<string, number>();
  const callers = new Map<string, number>();
  const callerDepth = options.callerDepth ?? 4;
  let sampledMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    sampledMs += ms;
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    const leaf = label(id);
    self.set(leaf, (self.get(leaf) ?? 0) + ms);
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
    if (options.callersOf !== undefined && leaf.includes(options.callersOf)) {
      const chain = [leaf];
      for (let at = parent.get(id); at !== undefined && chain.length <= callerDepth; at = parent.get(at)) {
        const name = label(at);
        if (name !== '(root)') chain.push(name);
      }
      const key = chain.join(' ← ');
      callers.set(key, (callers.get(key) ?? 0) + ms);
    }
    const seen = new Set<string>();
    for (let at: number | undefined = id, depth = 0; at !== undefined && depth < 10_000; at = parent.get(at), depth++) {
      const name = label(at);
      if (name === '(root)' || seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
  });
  return {
    sampledMs,
    idleMs,
    self: sorted(self),
    total: sorted(total),
    packages: sorted(packages),
    callers: sorted(callers),
  };
}
