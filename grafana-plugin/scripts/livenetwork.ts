import { writeFileSync, rmSync } from 'node:fs';
import { startObservedNetwork } from './observednetwork.ts';

// Development helper: a live observed network until Ctrl-C; its URLs go to stdout and to the file
// named by the first argument (default /tmp/mictract-plugin-network.json), for record-fixtures and the dev host.

const file = process.argv[2] ?? '/tmp/mictract-plugin-network.json';
const o = await startObservedNetwork();
const info = {
  apiUrl: o.apiUrl,
  prometheusUrl: o.prometheusUrl,
  jaegerUrl: o.jaegerUrl,
  channel: o.channel,
  profileToken: o.profileToken,
  home: o.net.home,
};
writeFileSync(file, JSON.stringify(info, null, 2));
console.log(JSON.stringify(info));
const stop = async () => {
  rmSync(file, { force: true });
  await o.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
