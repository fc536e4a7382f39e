import { MarblesContract } from './marbles';

export { MarblesContract, COLOR_INDEX } from './marbles';
export type { Marble } from './marble';

// fabric-chaincode-node loads package.json "main" and reads `contracts`.
// With no @Default() anywhere, the first entry becomes the default contract,
// which is what lets peers invoke `initMarble` instead of `marbles:initMarble`.
export const contracts = [MarblesContract];
