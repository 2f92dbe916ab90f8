/**
 * A healthcheck command that exists in the backend's image: the language runtime the image or
 * command names (node, python) needs nothing else; busybox/alpine images have `wget`; anything
 * else gets `curl`, with a note to check the image has it.
 */
import type { Timing } from '../timing.js';

export interface HealthTest {
  test: string[];
  tool: 'node' | 'python' | 'wget' | 'curl';
  why: string;
}

function words(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(' ').toLowerCase();
  return typeof value === 'string' ? value.toLowerCase() : '';
}

export function chooseHealthTest(image: string | null, command: unknown, port: number, path: string): HealthTest {
  const url = `http://127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`;
  const img = (image ?? '').toLowerCase();
  const cmd = words(command);
  const first = cmd.split(/\s+/)[0] ?? '';
  if (/(^|[/:_-])node(js)?([:@_-]|$)/.test(img) || /^(node|npm|yarn|pnpm|npx)$/.test(first)) {
    const js = `require('http').get('${url}',r=>process.exit(r.statusCode<400?0:1)).on('error',()=>process.exit(1))`;
    return { test: ['CMD', 'node', '-e', js], tool: 'node', why: `the image (${image ?? 'unknown'}) runs node` };
  }
  const py = /python|gunicorn|uvicorn|django|flask/;
  if (py.test(img) || py.test(first)) {
    const bin = img.includes('python') ? 'python' : 'python3';
    const code = `import urllib.request; urllib.request.urlopen('${url}', timeout=2)`;
    return { test: ['CMD', bin, '-c', code], tool: 'python', why: `the image (${image ?? 'unknown'}) runs python` };
  }
  if (/alpine|busybox/.test(img)) {
    return { test: ['CMD', 'wget', '-qO-', url], tool: 'wget', why: `${image} ships busybox wget, not curl` };
  }
  return {
    test: ['CMD', 'curl', '-fsS', '-o', '/dev/null', url],
    tool: 'curl',
    why: `the image (${image ?? 'unknown'}) gives no runtime hint: make sure it has curl, or use wget`,
  };
}

/** The healthcheck mapping as YAML lines (test as a JSON-style flow list, as compose docs write it). */
export function healthcheckLines(test: string[], t: Timing, unit: string): string[] {
  return [
    'healthcheck:',
    `${unit}test: [${test.map((x) => JSON.stringify(x)).join(', ')}]`,
    `${unit}interval: ${t.healthIntervalS}s`,
    `${unit}timeout: ${t.healthTimeoutS}s`,
    `${unit}retries: ${t.healthRetries}`,
    `${unit}start_period: ${t.healthStartPeriodS}s`,
  ];
}
