import { paths } from './paths';
import { ledgerPaths } from './api/ledgerPaths';

describe('page URLs', () => {
  it('are stable, encoded and shareable', () => {
    expect(paths.transaction('my chan', 'ab')).toBe('/a/mictract-app/channels/my%20chan/transactions/ab');
    expect(paths.blocks('c')).toBe('/a/mictract-app/channels/c/blocks');
    expect(paths.blocks('c', 40)).toBe('/a/mictract-app/channels/c/blocks?before=40');
    expect(paths.keyHistory('c', 'marbles', 'a\u0000b')).toBe(
      '/a/mictract-app/channels/c/keys?chaincode=marbles&key=a%00b'
    );
    expect(paths.pods({ chaincode: 'm', orgs: ['Org1MSP', 'Org2MSP'], tx: 't' })).toBe(
      '/a/mictract-app/pods?chaincode=m&org=Org1MSP&org=Org2MSP&tx=t'
    );
    expect(paths.chaincodeDashboard('m', 'p')).toBe('/d/mictract-chaincode?var-chaincode=m&var-pod=p');
  });
});

describe('ledger API paths', () => {
  it('go through the plugin proxy route "api"', () => {
    expect(ledgerPaths.channels()).toBe('api/plugin-proxy/mictract-app/api/channels');
    expect(ledgerPaths.blocks('c', { limit: 20, before: null })).toBe(
      'api/plugin-proxy/mictract-app/api/channels/c/blocks?limit=20'
    );
    expect(ledgerPaths.keyHistory('c', 'cc', 'k/1')).toBe(
      'api/plugin-proxy/mictract-app/api/channels/c/chaincodes/cc/keys/k%2F1/history'
    );
    expect(ledgerPaths.transaction('ab')).toBe('api/plugin-proxy/mictract-app/api/transactions/ab');
    expect(ledgerPaths.conflicts('c', 50)).toBe('api/plugin-proxy/mictract-app/api/channels/c/conflicts?limit=50');
  });
});
