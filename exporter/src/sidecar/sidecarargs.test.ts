import { parseSidecarArgs, SidecarArgsError } from './sidecarargs';

const base = ['--listen', '0.0.0.0:7052', '--replica', '127.0.0.1:9999'];

describe('mictract-sidecar flags', () => {
  it('takes the pod name and namespace from the downward-API variables unless flags say otherwise', () => {
    const env = { POD_NAME: 'marbles-org1-0', POD_NAMESPACE: 'fabric' };
    expect(parseSidecarArgs(base, env)).toEqual({
      listen: '0.0.0.0:7052',
      replica: '127.0.0.1:9999',
      otlpUrl: '',
      chaincode: '',
      podName: 'marbles-org1-0',
      namespace: 'fabric',
      peer: '',
      spanQueueSize: 2048,
    });
    expect(parseSidecarArgs([...base, '--pod-name', 'p', '--namespace', 'n'], env)).toMatchObject({ podName: 'p', namespace: 'n' });
  });

  it('reads every flag', () => {
    const args = parseSidecarArgs(
      [...base, '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--client-ca', 'ca.pem', '--metrics', '127.0.0.1:9464', '--otlp-url', 'http://127.0.0.1:4318', '--chaincode', 'marbles', '--peer', 'peer0.org1', '--span-queue-size', '100'],
      {},
    );
    expect(args).toMatchObject({ tlsCert: 'c.pem', tlsKey: 'k.pem', clientCa: 'ca.pem', metrics: '127.0.0.1:9464', otlpUrl: 'http://127.0.0.1:4318', chaincode: 'marbles', peer: 'peer0.org1', spanQueueSize: 100 });
  });

  it.each([
    [['--replica', '127.0.0.1:1'], /--listen/],
    [['--listen', '127.0.0.1:1'], /--replica/],
    [['--listen', 'nohost', '--replica', '127.0.0.1:1'], /--listen: expected HOST:PORT/],
    [[...base, '--tls-cert', 'c.pem'], /--tls-cert and --tls-key go together/],
    [[...base, '--client-ca', 'ca.pem'], /--client-ca needs/],
    [[...base, '--otlp-url', 'localhost:4318'], /--otlp-url/],
    [[...base, '--span-queue-size', '0'], /--span-queue-size/],
    [[...base, '--bogus'], /unknown option/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSidecarArgs(argv, {})).toThrow(SidecarArgsError);
    expect(() => parseSidecarArgs(argv, {})).toThrow(message);
  });
});
