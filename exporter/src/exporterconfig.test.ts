import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadExporterConfig, resolveConfig } from './exporterconfig';

describe('exporter configuration', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-config-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const yaml = `
peers:
  - endpoint: 127.0.0.1:7051
    tlsCaCert: crypto/tlsca.pem
    hostnameOverride: peer0.org1.example.com
  - endpoint: 127.0.0.1:8051
    tlsCaCert: /abs/tlsca.pem
identity:
  mspId: Org1MSP
  certificate: crypto/cert.pem
  privateKey: crypto/key.pem
channels: [mychannel]
checkpointDir: state
otlpUrl: http://127.0.0.1:4318
podsFile: pods.json
resource: { k8s.namespace.name: demo }
`;

  it('reads the YAML file, resolving relative paths from its folder, with loopback as the default listen address', async () => {
    const file = path.join(dir, 'exporter.yaml');
    await writeFile(file, yaml);
    const config = await loadExporterConfig({ config: file });
    expect(config).toEqual({
      peers: [
        { endpoint: '127.0.0.1:7051', tlsCaCert: path.join(dir, 'crypto/tlsca.pem'), hostnameOverride: 'peer0.org1.example.com' },
        { endpoint: '127.0.0.1:8051', tlsCaCert: '/abs/tlsca.pem' },
      ],
      identity: { mspId: 'Org1MSP', certificate: path.join(dir, 'crypto/cert.pem'), privateKey: path.join(dir, 'crypto/key.pem') },
      channels: ['mychannel'],
      checkpointDir: path.join(dir, 'state'),
      listen: '127.0.0.1:9464',
      otlpUrl: 'http://127.0.0.1:4318',
      podsFile: path.join(dir, 'pods.json'),
      resource: { 'k8s.namespace.name': 'demo' },
      logLevel: 'info',
    });
  });

  it('lets flags override the file', async () => {
    const file = path.join(dir, 'exporter.yaml');
    await writeFile(file, yaml);
    const config = await loadExporterConfig({ config: file, peer: ['10.0.0.1:7051'], tlsCaCert: '/x/ca.pem', channel: ['a', 'b'], listen: '0.0.0.0:9000', mspId: 'Org2MSP' });
    expect(config.peers).toEqual([{ endpoint: '10.0.0.1:7051', tlsCaCert: '/x/ca.pem' }]);
    expect(config.channels).toEqual(['a', 'b']);
    expect(config.listen).toBe('0.0.0.0:9000');
    expect(config.identity.mspId).toBe('Org2MSP');
  });

  it('works from flags alone', () => {
    const config = resolveConfig({}, { peer: ['127.0.0.1:7051'], tlsCaCert: 'ca.pem', mspId: 'M', cert: 'c.pem', key: 'k.pem', channel: ['ch'], checkpointDir: 'cp' }, '/base');
    expect(config.peers[0]!.tlsCaCert).toBe('/base/ca.pem');
    expect(config.checkpointDir).toBe('/base/cp');
  });

  it('takes the chaincode pods from the Kubernetes API instead of a pods file, not both', () => {
    const base = { peer: ['127.0.0.1:7051'], tlsCaCert: 'ca.pem', mspId: 'M', cert: 'c.pem', key: 'k.pem', channel: ['ch'], checkpointDir: 'cp' };
    const selector = 'app.kubernetes.io/part-of=demo,app.kubernetes.io/component=chaincode';
    expect(resolveConfig({ kubernetesPods: { namespace: 'demo', labelSelector: selector } }, base, '/').kubernetesPods).toEqual({ namespace: 'demo', labelSelector: selector });
    expect(resolveConfig({ kubernetesPods: { labelSelector: selector } }, base, '/').kubernetesPods).toEqual({ labelSelector: selector });
    expect(() => resolveConfig({ kubernetesPods: { namespace: 'demo' } }, base, '/')).toThrow(/kubernetesPods\.labelSelector: required/);
    expect(() => resolveConfig({ kubernetesPods: { labelSelector: selector, watch: true } }, base, '/')).toThrow(/kubernetesPods\.watch: unknown field/);
    expect(() => resolveConfig({ kubernetesPods: { labelSelector: selector }, podsFile: 'p.json' }, base, '/')).toThrow(/kubernetesPods: give it or podsFile, not both/);
  });

  it('names every problem at once', () => {
    let message = '';
    try {
      resolveConfig({ peers: [{ endpoint: 'nohost', extra: 1 }], identity: { mspId: 5 }, channels: ['Bad_Channel', 'ok', 'ok'], listen: 'x', otlpUrl: 'ftp://x', logLevel: 'loud', colour: 'blue' }, {}, '/');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    for (const expected of [
      'colour: unknown field',
      'peers[0].extra: unknown field',
      'peers[0].endpoint: must be host:port',
      'peers[0].tlsCaCert: required',
      'identity.mspId: must be a string',
      'identity.certificate: required',
      'identity.privateKey: required',
      '"Bad_Channel" is not a Fabric channel name',
      'channels: listed twice',
      'checkpointDir: required',
      'listen: must be host:port',
      'otlpUrl: must be an http(s) URL',
      'logLevel: one of debug, info, warn, error',
    ]) {
      expect(message).toContain(expected);
    }
  });
});
