// host:port as the sidecar's flags write it; IPv6 hosts in brackets ([::1]:7052).

export function splitHostPort(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not host:port: ${hostPort}`);
  return { host: hostPort.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port };
}

export function formatHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
