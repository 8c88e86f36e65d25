// A client for the standard gRPC health service (grpc.health.v1.Health/Check). containerd serves it
// on its main socket; asking it is how a person checks "is containerd answering?" without knowing
// containerd's own API (grpc_health_probe does the same).
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The standard grpc.health.v1 service definition, the one file that ref-containerd serves too.
 * The .proto stays in the source tree: steps run from dist/steps/support/, three levels below the root.
 */
const PROTO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'api', 'services', 'health.proto');

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface HealthClient extends grpc.Client {
  Check(req: { service: string }, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: ServingStatus }) => void): void;
}

let healthCtor: (new (address: string, creds: grpc.ChannelCredentials) => HealthClient) | undefined;

function ctor(): new (address: string, creds: grpc.ChannelCredentials) => HealthClient {
  if (!healthCtor) {
    const def = protoLoader.loadSync(PROTO, { enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: new (a: string, c: grpc.ChannelCredentials) => HealthClient } } } };
    healthCtor = pkg.grpc.health.v1.Health;
  }
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
