/**
 * The ids of the fixes a diagnosis rule may name (patterns/*.json `fixes`; src/fix/ proposes each):
 * plain data, apart from the zod schema (patternSchema.ts) so that the CLI's help can list them
 * without loading zod.
 */
/** The classic non-restart causes: configuration and environment faults (src/fix/classic.ts proposes them, in this order). */
export const CLASSIC_FIX_IDS = [
  'selinux-network-connect',
  'socket-permissions',
  'unix-socket-path',
  'socket-backlog',
  'nginx-buffer-size',
  'nginx-upstream-tls',
  'nginx-scheme-http',
  'nginx-scheme-https',
  'startup-dependency',
  'network-attach',
  'dns-name-gone',
] as const;

export const FIX_IDS = [
  'nginx-retry',
  'nginx-keepalive',
  'nginx-backup-peer',
  'nginx-timeouts',
  'nginx-resolve',
  'rolling-restart',
  'compose-healthcheck',
  'compose-depends-on-healthy',
  'compose-restart-policy',
  'k8s-probes',
  'supervisor-grace',
  'app-sigterm',
  'memory-limit',
  'crash-investigate',
  ...CLASSIC_FIX_IDS,
] as const;
export type FixId = (typeof FIX_IDS)[number];
