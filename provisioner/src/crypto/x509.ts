/**
 * The one place @peculiar/x509 is loaded. It resolves its algorithms through tsyringe,
 * which throws at import time unless a Reflect metadata polyfill is loaded first, and
 * it has no crypto of its own, so it is pointed at Node's WebCrypto here.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
