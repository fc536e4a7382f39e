import net from 'node:net';
import type { Endpoint } from './network';
import { SpecError, type SpecIssue } from './specerror';

/** True when nothing listens on host:port (we can bind it ourselves). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Fails with a SpecError naming every port already taken (of `wanted`, usually listeners(network)), before any process starts.
 * `ours` lists ports held by this network's own running processes (a resumed `up`), which are fine.
 */
export async function assertPortsFree(file: string, wanted: readonly { owner: string; endpoint: Endpoint }[], ours: ReadonlySet<number> = new Set()): Promise<void> {
  const issues: SpecIssue[] = [];
  for (const { owner, endpoint } of wanted) {
    if (ours.has(endpoint.port)) continue;
    if (!(await isPortFree(endpoint.host, endpoint.port))) {
      issues.push({
        field: 'ports.base',
        message: `port ${endpoint.port} (for ${owner}) is already in use by another process; stop it (see \`ss -ltnp 'sport = :${endpoint.port}'\`) or set ports.base to a free range`,
      });
    }
  }
  if (issues.length > 0) throw new SpecError(file, issues);
}
