export * from './traceidentity';
export * from './derivedidgenerator';
export * from './tracing';
// the Fabric block reader, for the other parts (bench, provisioner, sidecar)
export * from './decodedblock';
export { decodeBlock, decodeBlockBytes, decodeEnvelope, decodeIdentity, type DecodeOptions } from './blockdecoder';
export { decodeConfigEnvelope } from './configdecoder';
export { blockDataHash, blockHeaderHash } from './blockhash';
export { ChainVerifier, type Verification } from './chainverifier';
export { validationCodeName } from './validationcode';
// the exporter as a library
export { Exporter, EXPORTER_SERVICE_NAME, type ExporterOptions } from './exporter';
export { loadExporterConfig, resolveConfig, ConfigError, type ExporterConfig, type ExporterFlags } from './exporterconfig';
export { ExporterMetrics } from './exportermetrics';
export { stderrLogger, silentLogger, type Logger } from './log';
