import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { DecodedBlock } from './decodedblock';
import type { DerivedIdGenerator } from './derivedidgenerator';
import { isTxId } from './traceidentity';
import { VALID } from './validationcode';

// One span per committed endorser transaction, with the trace ID and span ID derived from its tx ID
// (traceidentity.ts), so the sidecar's invocation spans of the same transaction land under it. The
// span runs from the client's timestamp (channel header) to the exporter receiving the block. Ending a
// span only queues it for the batch processor, so this never waits on the trace backend.

export const TX_SPAN_ATTRIBUTES = {
  channel: 'fabric.channel',
  chaincode: 'fabric.chaincode',
  function: 'fabric.function',
  txId: 'fabric.tx_id',
  validationCode: 'fabric.validation_code',
  blockNumber: 'fabric.block.number',
  txPosition: 'fabric.tx.position',
  creatorMsp: 'fabric.creator.msp_id',
  endorserMsps: 'fabric.endorser.msp_ids',
} as const;

export class TxSpans {
  constructor(
    private readonly tracer: Tracer,
    private readonly ids: DerivedIdGenerator,
  ) {}

  /** Emits the block's transaction spans; returns how many. */
  emit(block: DecodedBlock, receivedAtMs: number): number {
    let n = 0;
    for (const tx of block.transactions) {
      if (tx.type !== 'ENDORSER_TRANSACTION' || !isTxId(tx.txId) || tx.timestampMs === undefined) continue;
      const name = `${tx.chaincode ?? 'unknown'} ${tx.function ?? 'unknown'}`.slice(0, 128);
      const span = this.ids.withTxIds(tx.txId, () =>
        this.tracer.startSpan(
          name,
          {
            kind: SpanKind.INTERNAL,
            startTime: Math.min(tx.timestampMs!, receivedAtMs),
            attributes: {
              [TX_SPAN_ATTRIBUTES.channel]: tx.channel,
              [TX_SPAN_ATTRIBUTES.chaincode]: tx.chaincode ?? '',
              [TX_SPAN_ATTRIBUTES.function]: (tx.function ?? '').slice(0, 128),
              [TX_SPAN_ATTRIBUTES.txId]: tx.txId,
              [TX_SPAN_ATTRIBUTES.validationCode]: tx.validationCodeName,
              [TX_SPAN_ATTRIBUTES.blockNumber]: block.number,
              [TX_SPAN_ATTRIBUTES.txPosition]: tx.position,
              [TX_SPAN_ATTRIBUTES.creatorMsp]: tx.creator?.mspId ?? '',
              [TX_SPAN_ATTRIBUTES.endorserMsps]: [...new Set(tx.endorsers.map((e) => e.mspId))],
            },
          },
          ROOT_CONTEXT,
        ),
      );
      if (tx.validationCode !== VALID) span.setStatus({ code: SpanStatusCode.ERROR, message: tx.validationCodeName });
      span.end(receivedAtMs);
      n++;
    }
    return n;
  }
}
