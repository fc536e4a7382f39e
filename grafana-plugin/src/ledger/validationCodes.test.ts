import { codeSeverity, explainValidationCode } from './validationCodes';
import { api } from '../testing/fixtures';

describe('validation codes', () => {
  it('explains every code the recorded ledger holds, and unknown ones', () => {
    expect(explainValidationCode(api('transaction-conflict').body.validationCode)).toMatch(/Retry it/);
    expect(explainValidationCode('UNKNOWN_99')).toMatch(/UNKNOWN_99/);
    expect(codeSeverity('VALID')).toBe('ok');
    expect(codeSeverity('MVCC_READ_CONFLICT')).toBe('retry');
    expect(codeSeverity('ENDORSEMENT_POLICY_FAILURE')).toBe('error');
  });
});
