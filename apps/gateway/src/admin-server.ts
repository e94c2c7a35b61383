/** The admin port: Prometheus `/metrics` and `/healthz` (503 while draining), nothing else. */
import { createServer, type Server } from 'node:http';

export interface AdminHandlers {
  metrics(): string;
  health(): { ok: boolean; body: Record<string, unknown> };
}

export function createAdminServer(h: AdminHandlers): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(h.metrics());
    } else if (path === '/healthz') {
      const { ok, body } = h.health();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  });
}
