import { site } from './thresholds';

// Label selectors the dashboards share: each scrape job, narrowed by the dashboard's variables.

const { jobs } = site;
export const peer = `job="${jobs.peer}",channel=~"$channel"`;
export const orderer = `job="${jobs.orderer}",channel=~"$channel"`;
export const exporter = `job="${jobs.exporter}"`;
export const exporterChannel = `${exporter},channel=~"$channel"`;
/** Sidecar series narrowed by channel, chaincode and pod (every sidecar series has a pod label). */
export const sidecar = `job="${jobs.sidecar}",channel=~"$channel",chaincode=~"$chaincode",pod=~"$pod"`;
/** The same, for the per-function families. */
export const sidecarFn = `${sidecar},function=~"$function"`;
/** Sidecar process series (no channel label of their own). */
export const sidecarProcess = `job="${jobs.sidecar}",chaincode=~"$chaincode",pod=~"$pod"`;
/** Chaincode balancer series (one balancer per org and chaincode slot; no channel or pod label of their own). */
export const balancer = `job="${jobs.balancer}",chaincode=~"$chaincode"`;
export const RATE = '$__rate_interval';
