/**
 * `restartdoctor drill`'s flags: a table of plain data that the CLI's reader takes and help.ts
 * prints (options.ts checks the values). Kept apart from options.ts, which loads zod, so that the
 * CLI's entry can list every command's flags without loading it.
 */
export const DRILL_ACTIONS = ['restart', 'stop-start', 'kill'] as const;
export type DrillAction = (typeof DRILL_ACTIONS)[number];

export const DRILL_INTRO = `usage: restartdoctor drill --container NAME --url http://127.0.0.1:PORT/PATH [options]

Restarts a container while sending a bounded number of requests through nginx, and measures
what the clients saw: failures, the failure window, and the time until the app answered again.`;

export const DRILL_FLAGS = {
  container: { type: 'string', arg: 'NAME', help: 'container name (or compose service with one container)' },
  url: { type: 'string', arg: 'URL', help: 'the URL to send requests to, through the proxy (loopback only, unless --allow-host)' },
  requests: { type: 'string', arg: 'N', help: 'requests to send (default 200, at most 100000)' },
  rate: { type: 'string', arg: 'N', help: 'requests per second (default 50, at most 1000)' },
  method: { type: 'string', arg: 'LIST', help: 'methods to cycle, e.g. GET,POST (default GET)' },
  action: { type: 'string', arg: 'ACTION', help: "restart (default) | stop-start | kill (SIGKILL the app; the restart policy brings it back)" },
  'stop-timeout': { type: 'string', arg: 'S', help: "seconds between SIGTERM and SIGKILL (default: the container's own)" },
  log: { type: 'string', arg: 'FILE', help: 'nginx error log to watch during the drill' },
  timeout: { type: 'string', arg: 'DUR', help: 'bound on the whole drill, e.g. 60s, 2m (default 60s)' },
  'request-timeout': { type: 'string', arg: 'DUR', help: 'bound on one request (default 5s)' },
  'max-failures': { type: 'string', arg: 'N', help: 'failures allowed for a pass (default 0)' },
  'allow-host': { type: 'string', multiple: true, arg: 'HOST', help: 'also allow this host in --url (repeatable)' },
  export: { type: 'string', arg: 'FILE.md', help: "write the drill's report as markdown" },
} as const;
