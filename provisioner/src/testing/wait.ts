/** Test helpers shared by the provisioner's tests: readiness waits and free ports (never sleeps for timing). */
import net from 'node:net';

/** A port the OS just handed out on loopback. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export { until } from '../until';
