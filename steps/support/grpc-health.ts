// A client for the standard gRPC health service (grpc.health.v1.Health/Check). containerd serves it
// on its main socket; asking it is how a person checks "is containerd answering?" without knowing
// containerd's own API (grpc_health_probe does the same).
import * as grpc from '@grpc/grpc-js';
import { serviceDefinition } from '../../api/grpc-service.js';

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface HealthClient extends grpc.Client {
  Check(req: { service: string }, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: ServingStatus }) => void): void;
}

let healthCtor: (new (address: string, creds: grpc.ChannelCredentials) => HealthClient) | undefined;

/** The standard grpc.health.v1 service, from the contract that ref-containerd serves it from. */
function ctor(): new (address: string, creds: grpc.ChannelCredentials) => HealthClient {
  healthCtor ??= grpc.makeGenericClientConstructor(serviceDefinition('grpc.health.v1.Health'), 'grpc.health.v1.Health') as unknown as new (
    address: string,
    creds: grpc.ChannelCredentials,
  ) => HealthClient;
  return healthCtor;
}

/**
 * Health/Check over a unix socket; service "" asks about the server as a whole. Rejects with the
 * gRPC error (e.g. UNAVAILABLE when nothing listens) or when the deadline passes.
 */
export function healthCheck(socketPath: string, service = '', timeoutMs = 3000): Promise<ServingStatus> {
  const Client = ctor();
  const client = new Client(`unix://${socketPath}`, grpc.credentials.createInsecure());
  return new Promise<ServingStatus>((resolve, reject) => {
    client.Check({ service }, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
      client.close();
      if (err) reject(new Error(`grpc.health.v1.Health/Check on ${socketPath}: ${err.code} ${err.details || err.message}`));
      else resolve(res!.status);
    });
  });
}
