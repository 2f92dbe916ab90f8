/**
 * The rule table: the seed's OPA and checkov policies (max_fails on every upstream server,
 * proxy_next_upstream on every proxy location, a healthcheck on every compose service) and the
 * restart-race checks around them. Ids are stable: CI configs and SARIF baselines refer to them.
 */
import type { Rule } from './types.js';

export const RULES = {
  parse: {
    id: 'RD-NGX-000',
    name: 'nginx-unparseable-block',
    severity: 'warning',
    description: 'A block of the nginx config could not be parsed and was skipped.',
    help: 'Run `nginx -t` on the file; the skipped block was not checked by the other rules.',
  },
  maxFails: {
    id: 'RD-NGX-001',
    name: 'upstream-server-max-fails',
    severity: 'warning',
    description: 'An upstream server has no max_fails (nginx defaults to 1: one refused connect ejects the peer for fail_timeout).',
    help: 'Add max_fails=3 fail_timeout=10s to the server line (`restartdoctor fix` proposes it).',
  },
  singlePeer: {
    id: 'RD-NGX-002',
    name: 'upstream-single-peer',
    severity: 'note',
    description: 'An upstream group has one server and no backup: nginx never marks it unavailable and has no peer to retry on.',
    help: 'Retries only help with a second peer or a `server … backup;` line.',
  },
  nextUpstream: {
    id: 'RD-NGX-003',
    name: 'proxy-next-upstream',
    severity: 'warning',
    description: 'A proxy location has no proxy_next_upstream (nor inherits one).',
    help: 'Add `proxy_next_upstream error timeout http_502 http_503;` with proxy_next_upstream_tries/_timeout.',
  },
  keepaliveVersion: {
    id: 'RD-NGX-004',
    name: 'keepalive-http-version',
    severity: 'error',
    description: 'A location proxies to an upstream with keepalive but does not use proxy_http_version 1.1 (keepalive is off before nginx 1.29.7).',
    help: 'Add `proxy_http_version 1.1;` to the location.',
  },
  keepaliveConnection: {
    id: 'RD-NGX-005',
    name: 'keepalive-connection-header',
    severity: 'warning',
    description: 'A location proxies to an upstream with keepalive but does not clear the Connection header.',
    help: 'Add `proxy_set_header Connection "";` (repeat inherited proxy_set_header lines: an own one stops inheritance).',
  },
  healthcheck: {
    id: 'RD-DC-001',
    name: 'compose-healthcheck',
    severity: 'warning',
    description: 'A compose service has no healthcheck (checkov CKV_DOCKER_2 in spirit): nothing tells Docker or its dependants when it is ready.',
    help: 'Add a healthcheck whose start_period covers the time to ready.',
  },
  dependsOnHealthy: {
    id: 'RD-DC-002',
    name: 'compose-depends-on-healthy',
    severity: 'warning',
    description: 'A depends_on entry does not wait for condition: service_healthy, so the dependant starts before the dependency is ready.',
    help: 'Use the map form: `depends_on: {backend: {condition: service_healthy}}`.',
  },
  readiness: {
    id: 'RD-K8S-001',
    name: 'k8s-readiness-probe',
    severity: 'warning',
    description: 'A container has no readinessProbe: it gets traffic as soon as it starts.',
    help: 'Add a readinessProbe on the serving port.',
  },
  startup: {
    id: 'RD-K8S-002',
    name: 'k8s-startup-probe',
    severity: 'warning',
    description: 'A container has no startupProbe: a slow start is not covered (liveness may kill it, readiness flaps).',
    help: 'Add a startupProbe with failureThreshold × periodSeconds ≥ the time to ready.',
  },
  waiver: {
    id: 'RD-LINT-001',
    name: 'waiver-unknown-rule',
    severity: 'warning',
    description: 'A `# restartdoctor: ignore` comment names no known rule, so it waives nothing.',
    help: 'Name a rule by id (RD-DC-001) or name (compose-healthcheck); `restartdoctor lint --help` and the README list them.',
  },
} as const satisfies Record<string, Rule>;

export const RULE_LIST: Rule[] = Object.values(RULES);
