// "host:port" as people type it on a command line, and back. IPv6 hosts go in
// brackets ("[::1]:17010") so the last colon always separates the port.

export interface HostPort {
  host: string;
  port: number;
}

/** Returns the address, or a sentence saying what is wrong with `text`. */
export function parseHostPort(text: string): HostPort | string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || !host) return `expected host:port (e.g. 127.0.0.1:17010), got "${text}"`;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `port must be 1-65535, got "${m[3]}"`;
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
