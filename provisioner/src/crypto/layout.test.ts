import { caPaths, nodePaths, orgMspPaths, tlsCaPaths, userOu, userPaths } from './layout';

const org1 = { kind: 'peer', domain: 'org1.example.com' } as const;
const orderer = { kind: 'orderer', domain: 'example.com' } as const;

test('peer paths follow the cryptogen layout', () => {
  expect(nodePaths('/c', org1, 'peer0')).toEqual({
    dir: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com',
    cn: 'peer0.org1.example.com',
    msp: {
      dir: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp',
      cacert: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp/cacerts/ca.org1.example.com-cert.pem',
      tlscacert: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp/tlscacerts/tlsca.org1.example.com-cert.pem',
      config: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp/config.yaml',
      signcert: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp/signcerts/peer0.org1.example.com-cert.pem',
      keystore: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp/keystore',
      key: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp/keystore/priv_sk',
    },
    tls: {
      dir: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls',
      ca: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls/ca.crt',
      cert: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls/server.crt',
      key: '/c/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls/server.key',
    },
  });
});

test('orderers, users and CAs', () => {
  expect(nodePaths('/c', orderer, 'orderer0').tls.cert).toBe('/c/ordererOrganizations/example.com/orderers/orderer0.example.com/tls/server.crt');
  const admin = userPaths('/c', org1, 'Admin');
  expect(admin.cn).toBe('Admin@org1.example.com');
  expect(admin.msp.signcert).toBe('/c/peerOrganizations/org1.example.com/users/Admin@org1.example.com/msp/signcerts/Admin@org1.example.com-cert.pem');
  expect(admin.tls.key).toBe('/c/peerOrganizations/org1.example.com/users/Admin@org1.example.com/tls/client.key');
  expect(caPaths('/c', org1)).toEqual({
    dir: '/c/peerOrganizations/org1.example.com/ca',
    cn: 'ca.org1.example.com',
    cert: '/c/peerOrganizations/org1.example.com/ca/ca.org1.example.com-cert.pem',
    key: '/c/peerOrganizations/org1.example.com/ca/priv_sk',
  });
  expect(tlsCaPaths('/c', orderer).cert).toBe('/c/ordererOrganizations/example.com/tlsca/tlsca.example.com-cert.pem');
  expect(orgMspPaths('/c', orderer).tlscacert).toBe('/c/ordererOrganizations/example.com/msp/tlscacerts/tlsca.example.com-cert.pem');
});

test('users named Admin* get the admin OU, everyone else client', () => {
  expect(['Admin', 'Admin2', 'User1', 'admin'].map(userOu)).toEqual(['admin', 'admin', 'client', 'client']);
});
