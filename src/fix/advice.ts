/**
 * Advice lines: for diagnoses whose cure is not a config edit (signal handling, memory, crash
 * loops, slow endpoints, stale DNS), and for config fixes when no config file was given. Every
 * line carries the concrete values (names, ports, seconds) rather than a generic snippet.
 */
import type { FixInput } from './types.js';
import { describeReady, type Timing } from './timing.js';
import { KEEPALIVE_CONNECTIONS, MAX_FAILS, FAIL_TIMEOUT } from './nginx/plan.js';
import { probeLines } from './probes.js';
import { waitLoop } from './systemd.js';

function who(input: FixInput): string {
  return input.container ?? input.service ?? 'the backend container';
}

function address(input: FixInput): string {
  return input.upstream.port === null ? input.upstream.host : `${input.upstream.host}:${input.upstream.port}`;
}

/** Where a piece of config advice applies: reports show a platform only when the evidence points to it (propose.ts). */
export type Platform = 'nginx' | 'compose' | 'kubernetes' | 'systemd' | 'supervisord';

export interface PlatformAdvice {
  platform: Platform;
  text: string;
}

/** Advice for a config fix id when its file was not given, each line with the platform it configures. */
export function configAdvice(id: string, input: FixInput, t: Timing): PlatformAdvice[] {
  const on = (platform: Platform, lines: string[]): PlatformAdvice[] => lines.map((text) => ({ platform, text }));
  const addr = address(input);
  const port = input.upstream.port ?? 80;
  switch (id) {
    case 'nginx-retry':
      return on('nginx', [
        `nginx: in the upstream block holding ${addr}: \`server ${addr} max_fails=${MAX_FAILS} fail_timeout=${FAIL_TIMEOUT};\` (proxy_pass straight to the address? put it in an upstream block first).`,
        `nginx: in each location that proxies to it: \`proxy_next_upstream error timeout http_502 http_503; proxy_next_upstream_tries 2; ` +
          `proxy_next_upstream_timeout ${t.nextUpstreamTimeoutS}s; proxy_connect_timeout ${t.connectTimeoutS}s;\` (${describeReady(t)}).`,
        'nginx: retries only help with a second peer or a `backup` server: a one-server upstream is never marked unavailable.',
      ]);
    case 'nginx-keepalive':
      return on('nginx', [
        `nginx: \`keepalive ${KEEPALIVE_CONNECTIONS};\` in the upstream block, and \`proxy_http_version 1.1; proxy_set_header Connection "";\` in its locations (needed before nginx 1.29.7).`,
      ]);
    case 'nginx-backup-peer':
      return on('nginx', [`nginx: run a second instance of ${who(input)} and add it to the upstream as \`server HOST:PORT backup;\` so nginx has a peer to retry on during a restart.`]);
    case 'compose-healthcheck':
      return on('compose', [
        `compose: on service ${input.service ?? who(input)}: healthcheck with test against http://127.0.0.1:${port}${input.healthPath ?? '/'}, ` +
          `interval: ${t.healthIntervalS}s, timeout: ${t.healthTimeoutS}s, retries: ${t.healthRetries}, start_period: ${t.healthStartPeriodS}s (${describeReady(t)}).`,
      ]);
    case 'compose-depends-on-healthy':
      // No compose service known for this upstream: name none rather than guess one.
      return on('compose', [
        input.service
          ? `compose: on the nginx service: \`depends_on: {${input.service}: {condition: service_healthy}}\`.`
          : `compose: on the nginx service: \`depends_on\` the service that runs ${who(input)}, with \`condition: service_healthy\`.`,
      ]);
    case 'compose-restart-policy':
      return on('compose', [`compose: on service ${input.service ?? who(input)}: \`restart: unless-stopped\`.`]);
    case 'k8s-probes': {
      const p = probeLines(port, input.healthPath, t) as { startupProbe: { periodSeconds: number; failureThreshold: number } };
      return on('kubernetes', [
        `Kubernetes: on the container serving port ${port}: startupProbe (periodSeconds: ${p.startupProbe.periodSeconds}, failureThreshold: ${p.startupProbe.failureThreshold}, ` +
          `covering ${describeReady(t)}), readinessProbe (periodSeconds: 5), livenessProbe (periodSeconds: 10).`,
      ]);
    }
    case 'supervisor-grace':
      return [
        ...on('systemd', [
          `systemd: in the backend unit's [Service]: \`${waitLoop(port, input.healthPath ?? '/', t.coverS)}\` and \`TimeoutStartSec=${t.coverS * 2}s\` ` +
            '(or Type=notify if the app calls sd_notify); order nginx After= it.',
        ]),
        ...on('supervisord', [`supervisord: \`startsecs=${Math.ceil(t.readyMs / 1000)}\` on the program, so a start counts only once it stayed up that long.`]),
      ];
    default:
      return [];
  }
}

/** Advice for the fix ids that never edit a file. */
export function adviceOnly(id: string, input: FixInput, t: Timing, nginxFacts: { readTimeout: string | null; hostLines: string[] }): string[] {
  const name = who(input);
  const codes = input.exitCodes ?? [];
  switch (id) {
    case 'app-sigterm':
      return [
        `${name} did not exit on SIGTERM and was killed with SIGKILL at the stop timeout (exit 137 after kill 15 → kill 9): make the app handle SIGTERM (stop accepting, finish in-flight requests, exit).`,
        'If it runs as PID 1 or via a shell-form CMD, signals do not reach it: use `init: true` in compose (tini, or `docker run --init`) and the exec form of CMD.',
        `If draining needs longer than Docker's 10 s, set \`stop_grace_period: ${Math.max(15, Math.ceil(t.readyMs / 1000))}s\` on the service.`,
      ];
    case 'memory-limit':
      return [
        `${name} was OOM-killed (${codes.length > 0 ? `exit code${codes.length > 1 ? 's' : ''} ${codes.join(', ')}` : 'exit 137'} with State.OOMKilled=true): ` +
          'raise its limit (`mem_limit` / `deploy.resources.limits.memory` in compose, `resources.limits.memory` in Kubernetes) or find the leak.',
        `Watch it with \`docker stats ${name}\`; the kernel log (\`dmesg\`) names the killed process and its RSS.`,
      ];
    case 'crash-investigate':
      return [
        `${name} is crash-looping${codes.length > 0 ? ` (exit codes ${codes.join(', ')})` : ''}: read why with \`docker logs --tail 200 ${name}\` and \`docker inspect ${name} --format '{{.State.ExitCode}} {{.RestartCount}} {{.State.Error}}'\`.`,
        'Back off instead of hammering: `restart: on-failure` (Docker doubles the delay between restarts), or in swarm/compose deploy `restart_policy: {condition: on-failure, delay: 5s, max_attempts: 5, window: 120s}`.',
      ];
    case 'nginx-timeouts':
      return [
        `The backend is slow rather than down: find the slow endpoint${input.upstream.url ? ` (${input.upstream.url})` : ''} in the app's own timing first.`,
        `If slow is expected there, raise \`proxy_read_timeout\` in that location only (now ${nginxFacts.readTimeout ?? '60s, the default'}); raising it everywhere hides real hangs.`,
      ];
    case 'rolling-restart': {
      // Every replica of the group went down at once: the fix is the order of restarts, named for the real service.
      const svc = input.service ?? input.container ?? 'the service';
      return [
        `Restart the replicas of ${svc} one at a time and wait for each to be ready before the next (a rolling restart), so nginx always has a live peer in ${input.upstreamKey}.`,
        `Swarm (\`docker stack deploy\`): on service ${svc}, \`deploy: {update_config: {parallelism: 1, order: start-first}}\` starts the new task before stopping the old one; plain \`docker compose restart\` restarts them all together, so restart one container after the other instead.`,
        'Kubernetes: `strategy.rollingUpdate: {maxUnavailable: 0, maxSurge: 1}` with a readiness probe.',
      ];
    }
    case 'nginx-resolve': {
      // A unix socket has no IP to go stale and no name to resolve.
      if (input.upstream.host.startsWith('unix:')) return [];
      const addr = address(input);
      return [
        `nginx resolved ${input.upstream.host} once at start-up; after the container was recreated it got a new IP and nginx kept dialling the old one.`,
        ...nginxFacts.hostLines.map((l) => `named at ${l}`),
        `Fix (any nginx): \`resolver 127.0.0.11 valid=10s;\` (Docker's DNS) and \`set $upstream_${input.upstream.host.replace(/[^a-zA-Z0-9]/g, '_')} http://${addr}; proxy_pass $upstream_${input.upstream.host.replace(/[^a-zA-Z0-9]/g, '_')};\` so the name is looked up per request.`,
        `Fix (nginx 1.27.3+ open source): in the upstream block, \`zone backend 64k;\` and \`server ${addr} resolve;\`, with the same resolver line. Or \`nginx -s reload\` after every recreate.`,
      ];
    }
    default:
      return [];
  }
}
