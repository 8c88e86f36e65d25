// One place for the errors that cross the task API. Codes follow containerd's errdefs; messages end
// with the class (": not found", ": unknown") the way Go's errdefs.FromGRPC leaves them in dockerd,
// so ref-dockerd can show them as Docker shows containerd's errors.
/** containerd's errdefs classes that cross a process boundary, as codes both sides share. */
export type TaskErrorCode = 'not-found' | 'unavailable' | 'failed-precondition' | 'already-exists' | 'invalid-argument' | 'not-implemented' | 'unknown';

/** gRPC status codes, without loading grpc-js (the shim must stay light). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

const classText: Record<TaskErrorCode, string> = {
  'not-found': 'not found',
  'already-exists': 'already exists',
  'failed-precondition': 'failed precondition',
  'invalid-argument': 'invalid argument',
  'not-implemented': 'not implemented',
  unavailable: 'unavailable',
  unknown: 'unknown',
};

const toGrpc: Record<TaskErrorCode, number> = {
  'not-found': GrpcStatus.NOT_FOUND,
  'already-exists': GrpcStatus.ALREADY_EXISTS,
  'failed-precondition': GrpcStatus.FAILED_PRECONDITION,
  'invalid-argument': GrpcStatus.INVALID_ARGUMENT,
  'not-implemented': GrpcStatus.UNIMPLEMENTED,
  unavailable: GrpcStatus.UNAVAILABLE,
  unknown: GrpcStatus.UNKNOWN,
};

export class TaskError extends Error {
  constructor(
    readonly code: TaskErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TaskServiceError';
  }
}

export const notFound = (what: string) => new TaskError('not-found', what);
export const alreadyExists = (what: string) => new TaskError('already-exists', what);
export const failedPrecondition = (what: string) => new TaskError('failed-precondition', what);
export const invalidArgument = (what: string) => new TaskError('invalid-argument', what);
export const notImplemented = (what: string) => new TaskError('not-implemented', what);
/** A kill of a process that has exited: containerd and the shim both say it so, and dockerd takes it for done. */
export const processFinished = () => notFound('process already finished');
/** A call to containerd without the `containerd-namespace` it needs, on its gRPC or its ttrpc socket. */
export const namespaceRequired = () => failedPrecondition('namespace is required');
/** An event published (gRPC) or forwarded by a shim (ttrpc) without the event itself. */
export const eventRequired = () => invalidArgument('event must be set');

export function asTaskError(err: unknown): TaskError {
  if (err instanceof TaskError) return err;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code in classText) return new TaskError(code as TaskErrorCode, (err as Error).message);
  return new TaskError('unknown', err instanceof Error ? err.message : String(err));
}

export function grpcCodeOf(code: TaskErrorCode): number {
  return toGrpc[code];
}

/** The error a client sees: gRPC status → TaskServiceError with errdefs' class suffix. */
export function fromGrpcStatus(status: number, details: string, address?: string): TaskError {
  const code: TaskErrorCode =
    status === GrpcStatus.NOT_FOUND ? 'not-found'
    : status === GrpcStatus.ALREADY_EXISTS ? 'already-exists'
    : status === GrpcStatus.FAILED_PRECONDITION ? 'failed-precondition'
    : status === GrpcStatus.INVALID_ARGUMENT ? 'invalid-argument'
    : status === GrpcStatus.UNIMPLEMENTED ? 'not-implemented'
    : status === GrpcStatus.UNAVAILABLE ? 'unavailable'
    : 'unknown';
  if (code === 'unavailable') return unavailable(address ?? '', details);
  return new TaskError(code, withClass(details, code));
}

/** errdefs' form: the message ends with its class, once (a Go peer's status already has it). */
function withClass(message: string, code: TaskErrorCode): string {
  const suffix = `: ${classText[code]}`;
  return message.endsWith(suffix) ? message : message + suffix;
}

/** errdefs' class of a gRPC status code; a code errdefs has no class for reads as unknown. */
function classOfStatus(status: number): string {
  const code = (Object.keys(toGrpc) as TaskErrorCode[]).find((c) => toGrpc[c] === status);
  return classText[code ?? 'unknown'];
}

/**
 * An error as a Go shim or containerd puts it on the wire (errdefs.ToGRPC): the class's status
 * code and the message with the class at its end, e.g. "process already finished: not found".
 * An error that names its gRPC code itself (`grpcCode`: the metadata store's, the filters') keeps it.
 */
export function toStatus(err: unknown): { code: number; message: string } {
  const explicit = (err as { grpcCode?: unknown })?.grpcCode;
  if (typeof explicit === 'number') {
    const message = (err as Error).message;
    const suffix = `: ${classOfStatus(explicit)}`;
    return { code: explicit, message: message.endsWith(suffix) ? message : message + suffix };
  }
  const e = asTaskError(err);
  return { code: toGrpc[e.code], message: withClass(e.message, e.code) };
}

/**
 * containerd down, as dockerd reports it: Go's dialer text around the errno. With the socket left
 * behind by a SIGKILLed daemon the kernel answers ECONNREFUSED; a removed socket gives ENOENT.
 */
export function unavailable(address: string, details = ''): TaskError {
  const errno = /ENOENT/.test(details) ? 'no such file or directory' : 'connection refused';
  const path = address.replace(/^unix:\/\//, '');
  return new TaskError(
    'unavailable',
    `connection error: desc = "transport: error while dialing: dial unix ${path}: connect: ${errno}": unavailable`,
  );
}
