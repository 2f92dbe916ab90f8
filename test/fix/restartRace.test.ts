/** The bundled restart-race incident: its real nginx.conf and compose file get the expected fix. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { proposeFix } from '../../src/fix/propose.js';
import { REPO, golden, input, patchAll, tempCopy } from './helpers.js';

const INCIDENT = path.join(REPO, 'fixtures/incidents/restart-race');

test.skipIf(!existsSync(path.join(INCIDENT, 'nginx.conf')))('restart-race: nginx + compose diff, idempotent', async () => {
  const dir = tempCopy(INCIDENT);
  const fixInput = input({
    fixIds: ['nginx-retry', 'nginx-keepalive', 'nginx-backup-peer', 'compose-healthcheck', 'compose-depends-on-healthy', 'compose-restart-policy'],
    upstream: { host: '172.18.0.5', port: 3000 },
    upstreamKey: '172.18.0.5:3000',
    service: 'backend',
    container: 'shop-backend-1',
    image: 'shop/backend:1.42.0',
    timeToReadyMs: 6000,
    notRetriedLost: 5,
    writesLost: 6,
    nginxConf: path.join(dir, 'nginx.conf'),
    compose: path.join(dir, 'docker-compose.yml'),
    cwd: dir,
  });
  const proposal = await proposeFix(fixInput);
  const diff = proposal.files.map((f) => f.diff).join('');
  expect(diff).toBe(golden('restart-race', diff));
  expect(diff).toContain('server 172.18.0.5:3000 max_fails=3 fail_timeout=10s;');
  expect(diff).toContain('healthcheck:');
  // No nginx service in this compose file (nginx runs on the host): said, not invented.
  expect(proposal.warnings.join('\n')).toContain('no nginx service found');
  patchAll(dir, proposal);
  expect((await proposeFix(fixInput)).files.map((f) => f.diff).join('')).toBe('');
});
