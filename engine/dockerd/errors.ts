// Errors that reach the docker CLI. The CLI prints `Error response from daemon: <message>`, so the
// message text is part of the contract (docs/design.md principle 6). Every text is built in one place:
// here for the daemon's own errors; network/errors.ts for networking's.

export class DockerError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'DockerError';
  }
}

// Texts measured against dockerd 20.10.24 (API 1.41) with curl and the docker CLI.

export const noSuchContainer = (name: string) => new DockerError(404, `No such container: ${name}`);

/** `name` as the user gave it; Docker shows the normalised reference (`busybox:latest`). */
export function noSuchImage(name: string): DockerError {
  return new DockerError(404, `No such image: ${normaliseForMessage(name)}`);
}

/** GET /images/{name}/json says it twice (measured). */
export function noSuchImageInspect(name: string): DockerError {
  return new DockerError(404, `no such image: ${name}: No such image: ${normaliseForMessage(name)}`);
}

function normaliseForMessage(name: string): string {
  if (/^(sha256:)?[0-9a-f]{6,64}$/.test(name) || name.includes('@')) return name;
  const slash = name.lastIndexOf('/');
  return name.lastIndexOf(':') > slash ? name : `${name}:latest`;
}

export const invalidContainerName = (name: string) =>
  new DockerError(400, `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);

export const nameConflict = (name: string, id: string) =>
  new DockerError(
    409,
    `Conflict. The container name "${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  );

export const noCommand = () => new DockerError(400, 'No command specified');
export const unknownRuntime = (name: string) => new DockerError(400, `Unknown runtime specified ${name}`);

export const notRunningKill = (name: string, id: string) =>
  new DockerError(409, `Cannot kill container: ${name}: Container ${id} is not running`);

export const removeRunning = (id: string) =>
  new DockerError(
    409,
    `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
  );

export const imageInUse = (ref: string, containerId: string, imageId: string) =>
  new DockerError(
    409,
    `conflict: unable to remove repository reference "${ref}" (must force) - container ${containerId.slice(0, 12)} is using its referenced image ${imageId.replace(/^sha256:/, '').slice(0, 12)}`,
  );

export const imageInUseById = (imageId: string, containerId: string, running: boolean) =>
  new DockerError(
    409,
    `conflict: unable to delete ${imageId.replace(/^sha256:/, '').slice(0, 12)} (${running ? 'cannot be forced' : 'must be forced'}) - image is being used by ${running ? 'running' : 'stopped'} container ${containerId.slice(0, 12)}`,
  );

export const imageMultipleRefs = (imageId: string) =>
  new DockerError(
    409,
    `conflict: unable to delete ${imageId.replace(/^sha256:/, '').slice(0, 12)} (must be forced) - image is referenced in multiple repositories`,
  );

export const noSuchExec = (id: string) => new DockerError(404, `No such exec instance: ${id}`);
export const execNotRunning = (id: string) => new DockerError(409, `Container ${id} is not running`);
export const removeRestarting = (id: string) =>
  new DockerError(409, `You cannot remove a restarting container ${id}. Stop the container before attempting removal or force remove`);
export const alreadyStarted = () => new DockerError(304, 'Container already started');
export const alreadyPaused = (id: string) => new DockerError(409, `Container ${id} is already paused`);
export const notPaused = (id: string) => new DockerError(409, `Container ${id} is not paused`);
/** `name` as the client gave it (dockerd names the container so in this one message) */
export const execPaused = (name: string) => new DockerError(409, `Container ${name} is paused, unpause the container before exec`);
export const versionTooNew = (v: string, max: string) =>
  new DockerError(400, `client version ${v} is too new. Maximum supported API version is ${max}`);
export const versionTooOld = (v: string, min: string) =>
  new DockerError(
    400,
    `client version ${v} is too old. Minimum supported API version is ${min}, please upgrade your client to a newer version`,
  );
export const containerdDown = (address: string) =>
  new DockerError(
    500,
    `connection error: desc = "transport: Error while dialing dial unix ${address}: connect: connection refused": unavailable`,
  );
