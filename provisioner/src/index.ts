// The provisioner as a library, for the end-to-end tests and benchmarks of the other parts.
export { loadSpec, listeners, type LoadedSpec } from './networkspec';
export type { Network, Chaincode, ChaincodeSlot, Endpoint, Organization, PeerNode, OrdererNode } from './networkspec/network';
export { slotOf } from './networkspec/network';
export { upLocal, localDirs, deployChaincode, type LocalDirs, type ChaincodeState } from './local/up';
export { Supervisor } from './local/supervisor';
export { connectGateway, type GatewayConnection } from './gateway/client';
export { submit, evaluate, TxFailure } from './gateway/transact';
export { validationCodeName, explainValidationCode } from './gateway/validationcodes';
export { MarblesWorkload, statusLine, total, type WorkloadStats } from './workload/marblesworkload';
export { startTestNetwork, type TestNetwork } from './testing/localnetwork';
export { consoleProgress, quietProgress } from './progress';
export { upKubernetes, downKubernetes, statusKubernetes, type KubernetesUpResult } from './kubernetes/upkubernetes';
export { startTestCluster, type TestCluster } from './kubernetes/testcluster';
