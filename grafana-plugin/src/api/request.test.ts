import { classifyFailure } from './request';

describe('classifyFailure', () => {
  it('tells the exporter’s errors from Grafana proxy failures', () => {
    expect(classifyFailure({ status: 404, data: { error: 'block 9 not found' } })).toMatchObject({
      kind: 'not-found',
      message: 'block 9 not found',
    });
    expect(classifyFailure({ status: 400, data: { error: 'bad limit' } }).kind).toBe('bad-request');
    expect(classifyFailure({ status: 502, data: { error: 'peer said no' } }).kind).toBe('peer');
    expect(classifyFailure({ status: 502, data: { message: 'connection refused' } })).toMatchObject({
      kind: 'unreachable',
      message: 'connection refused',
    });
    expect(classifyFailure({ status: 404, data: '<html>' }).kind).toBe('not-ledger-api');
    expect(classifyFailure({ status: 500, data: { message: 'plugin route url is empty' } }).kind).toBe(
      'not-configured'
    );
    expect(classifyFailure(new TypeError('Failed to fetch')).kind).toBe('unreachable');
  });
});
