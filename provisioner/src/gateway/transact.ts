import { GatewayError, type Contract } from '@hyperledger/fabric-gateway';
import { explainValidationCode, validationCodeName } from './validationcodes';

// One submitted or evaluated transaction, with what went wrong said plainly: the endorsement (a
// chaincode error with its message), or the commit (a validation code and what it means).

export interface TxResult {
  readonly txId: string;
  readonly result: string;
  readonly blockNumber?: string;
}

export type TxFailureStage = 'endorse' | 'submit' | 'commit' | 'evaluate';

export class TxFailure extends Error {
  override name = 'TxFailure';
  constructor(
    readonly stage: TxFailureStage,
    readonly txId: string,
    message: string,
    readonly validationCode?: string,
    readonly blockNumber?: string,
  ) {
    super(message);
  }
}

/** The chaincode's or peer's own words, from a gateway error's details. */
function reason(err: unknown): string {
  if (err instanceof GatewayError) {
    const details = err.details.map((d) => `${d.mspId} ${d.address}: ${d.message}`);
    return details.length ? details.join('; ') : err.message;
  }
  return (err as Error).message;
}

export async function submit(contract: Contract, fn: string, args: readonly string[]): Promise<TxResult> {
  const proposal = contract.newProposal(fn, { arguments: [...args] });
  const txId = proposal.getTransactionId();
  let tx;
  try {
    tx = await proposal.endorse();
  } catch (err) {
    throw new TxFailure('endorse', txId, `endorsement failed: ${reason(err)}`);
  }
  let commit;
  try {
    commit = await tx.submit();
  } catch (err) {
    throw new TxFailure('submit', txId, `submit to the orderer failed: ${reason(err)}`);
  }
  let status;
  try {
    status = await commit.getStatus();
  } catch (err) {
    throw new TxFailure('commit', txId, `commit status unknown: ${reason(err)}`);
  }
  const blockNumber = status.blockNumber.toString();
  if (!status.successful) {
    const code = validationCodeName(status.code);
    throw new TxFailure('commit', txId, `transaction ${txId} was not committed in block ${blockNumber}: ${code}: ${explainValidationCode(status.code)}`, code, blockNumber);
  }
  return { txId, result: Buffer.from(tx.getResult()).toString('utf8'), blockNumber };
}

export async function evaluate(contract: Contract, fn: string, args: readonly string[]): Promise<TxResult> {
  const proposal = contract.newProposal(fn, { arguments: [...args] });
  const txId = proposal.getTransactionId();
  try {
    return { txId, result: Buffer.from(await proposal.evaluate()).toString('utf8') };
  } catch (err) {
    throw new TxFailure('evaluate', txId, `query failed: ${reason(err)}`);
  }
}

