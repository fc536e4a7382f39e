// fabric-contract-api logs every decorator at info level on import; keep test output readable.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';
