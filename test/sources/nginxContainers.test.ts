/** Live mode's automatic choice: the running containers that are nginx, by image or by command. */
import { describe, expect, it } from 'vitest';
import { nginxContainers } from '../../src/sources/containerLog.js';

describe('nginxContainers', () => {
  it('finds nginx by image name (official, tagged, bitnami, openresty) or by a command that runs it', () => {
    const found = nginxContainers([
      { Id: 'a'.repeat(64), Names: ['/web-nginx-1'], Image: 'nginx:1.27-alpine', Command: '/docker-entrypoint.sh nginx -g daemon off;', State: 'running' },
      { Id: 'b'.repeat(64), Names: ['/proxy'], Image: 'bitnami/nginx', Command: '/opt/bitnami/scripts/nginx/run.sh', State: 'running' },
      { Id: 'c'.repeat(64), Names: ['/edge'], Image: 'openresty/openresty:alpine', Command: '/usr/local/openresty/bin/openresty -g daemon off;', State: 'running' },
      { Id: 'd'.repeat(64), Names: ['/rd-h15b-nginx'], Image: 'rd-h15b-nginx:test', Command: '/usr/sbin/nginx -g daemon off;', State: 'running' },
      { Id: 'e'.repeat(64), Names: ['/shop-backend-1'], Image: 'shop/backend:1.42.0', Command: 'node server.js', State: 'running' },
      { Id: 'f'.repeat(64), Names: ['/old-nginx'], Image: 'nginx', Command: 'nginx', State: 'exited' },
      { Id: '0'.repeat(64), Names: ['/nginx-exporter'], Image: 'nginx/nginx-prometheus-exporter', Command: '/usr/bin/nginx-prometheus-exporter', State: 'running' },
    ]);
    expect(found).toEqual([
      { name: 'edge', why: 'image openresty/openresty:alpine' },
      { name: 'proxy', why: 'image bitnami/nginx' },
      { name: 'rd-h15b-nginx', why: 'command /usr/sbin/nginx -g daemon off;' },
      { name: 'web-nginx-1', why: 'image nginx:1.27-alpine' },
    ]);
  });
});
