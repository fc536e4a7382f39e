import * as grpc from '@grpc/grpc-js';

// protos.Chaincode/Connect with the messages left as bytes. The sidecar never re-encodes what it
// forwards: google-protobuf would drop fields it does not know (newer Fabric versions add some).

export { CONNECT_PATH } from './grpcframes';
import { CONNECT_PATH } from './grpcframes';

const identity = (b: Buffer): Buffer => b;

export const RawChaincodeService: grpc.ServiceDefinition = {
  connect: {
    path: CONNECT_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export type RawPeerStream = grpc.ServerDuplexStream<Buffer, Buffer>;
export type RawReplicaStream = grpc.ClientDuplexStream<Buffer, Buffer>;

/** Channel options both sides use: messages as large as Fabric's (100 MB) pass, since limits are the endpoints' business. */
export const UNLIMITED_MESSAGES: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
};

/** Opens Connect on a replica as raw bytes, carrying the peer's own request metadata. */
export function connectRaw(client: grpc.Client, metadata: grpc.Metadata): RawReplicaStream {
  return client.makeBidiStreamRequest<Buffer, Buffer>(CONNECT_PATH, identity, identity, metadata);
}

// Headers gRPC or HTTP/2 set themselves; everything else the peer sent is passed on.
const TRANSPORT_HEADERS = new Set(['user-agent', 'content-type', 'te', 'host', 'grpc-accept-encoding', 'grpc-encoding', 'grpc-timeout', 'accept-encoding']);

/** The application metadata of a call, without the transport's own headers. */
export function applicationMetadata(from: grpc.Metadata): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [key, values] of Object.entries(from.toJSON())) {
    if (key.startsWith(':') || TRANSPORT_HEADERS.has(key)) continue;
    for (const v of values) md.add(key, v);
  }
  return md;
}
