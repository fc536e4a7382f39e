import { peer } from '@hyperledger/fabric-protos';
import { decodeEnvelope, decodeShimMessage, errorFrame, frame, MessageType, registeredChaincodeId } from './shimframes';

// The balancer's own frames against the shared decoder (exporter/src/sidecar/shimmessage.ts), and its
// header-only reader against google-protobuf on a full message.

describe('shim frames', () => {
  it('writes messages the shared decoder reads back', () => {
    expect(decodeShimMessage(errorFrame('mychannel', 'ab12', 'lost'))).toMatchObject({ type: MessageType.ERROR, channelId: 'mychannel', txId: 'ab12' });
    expect(Buffer.from(decodeShimMessage(errorFrame('c', 't', 'lost'))!.payload).toString()).toBe('lost');
    const register = decodeShimMessage(frame(MessageType.REGISTER, '', '', new peer.ChaincodeID().serializeBinary()))!;
    expect(registeredChaincodeId(register)).toBeUndefined();
    const id = new peer.ChaincodeID();
    id.setName('marbles_1.0:abc');
    id.setVersion('1');
    expect(registeredChaincodeId(decodeShimMessage(frame(MessageType.REGISTER, '', '', id.serializeBinary()))!)).toBe('marbles_1.0:abc');
  });

  it('reads type, tx ID and channel of a full message without decoding the rest', () => {
    const m = new peer.ChaincodeMessage();
    m.setType(MessageType.TRANSACTION);
    m.setTxid('f'.repeat(64));
    m.setChannelId('mychannel');
    m.setPayload(Buffer.alloc(5000, 7));
    const proposal = new peer.SignedProposal();
    proposal.setProposalBytes(Buffer.alloc(3000, 1));
    m.setProposal(proposal);
    const raw = Buffer.from(m.serializeBinary());
    expect(decodeEnvelope(raw)).toEqual({ type: MessageType.TRANSACTION, txId: 'f'.repeat(64), channelId: 'mychannel' });
    expect(decodeEnvelope(raw.subarray(0, raw.length - 1))).toBeUndefined(); // truncated
    expect(decodeEnvelope(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    expect(decodeEnvelope(Buffer.alloc(0))).toEqual({ type: 0, txId: '', channelId: '' });
  });
});
