/** One scrape of a `/metrics` endpoint, parsed. */
export interface Scrape {
  /** The text as served. */
  text: string;
  /** The response's `content-type`. */
  contentType: string | null;
  /**
   * The value of the sample `name` whose labels include `labels`, summed over every matching sample
   * (so `{}` sums a labelled counter); `undefined` when no sample matches.
   */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

/** `name{a="x",b="y"} 12.5` → name, labels, value (Prometheus text format 0.0.4). */
function parseSample(line: string): { name: string; labels: Record<string, string>; value: number } | undefined {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
  if (!match) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[pair[1] ?? ''] = (pair[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return { name: match[1] ?? '', labels, value: Number(match[3]) };
}

/**
 * Fetches `<baseUrl>/metrics` (no credential) and parses the Prometheus text.
 * @param baseUrl the server's origin, e.g. `http://127.0.0.1:41234`
 * @throws when the answer is not 200
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export async function scrapeMetrics(baseUrl: string): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${text}`);
  const samples = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map(parseSample)
    .filter((sample) => sample !== undefined);
  return {
    text,
    contentType: response.headers.get('content-type'),
    value(name, labels = {}) {
      const matching = samples.filter(
        (sample) =>
          sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
      );
      return matching.length === 0 ? undefined : matching.reduce((sum, sample) => sum + sample.value, 0);
    },
  };
}
