export const testIds = {
  appConfig: {
    apiUrl: 'data-testid ac-api-url',
    prometheus: 'data-testid ac-prometheus',
    traces: 'data-testid ac-traces',
    test: 'data-testid ac-test',
    result: 'data-testid ac-result',
    submit: 'data-testid ac-submit-form',
  },
  states: {
    loading: 'data-testid state-loading',
    error: 'data-testid state-error',
    empty: 'data-testid state-empty',
    notConfigured: 'data-testid state-not-configured',
  },
};
