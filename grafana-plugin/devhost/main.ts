import { readFileSync } from 'node:fs';
import { startDevHost } from './devhost.ts';

// node scripts/run.mjs devhost/main.ts [network.json] [port]
// Serves the built plugin (dist/) against a running network: the file scripts/livenetwork.ts writes.
const info = JSON.parse(readFileSync(process.argv[2] ?? '/tmp/mictract-plugin-network.json', 'utf8'));
const host = await startDevHost({
  apiUrl: info.apiUrl,
  prometheusUrl: info.prometheusUrl,
  jaegerUrl: info.jaegerUrl,
  ...(info.profileToken ? { profileToken: info.profileToken } : {}),
  port: Number(process.argv[3] ?? 3300),
});
console.log(`Mictract development host (a preview, not Grafana): ${host.url}/a/mictract-app/channels`);
