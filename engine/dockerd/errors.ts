// Errors that reach the docker CLI. The CLI prints `Error response from daemon: <message>`, so the
// message text is part of the contract (DESIGN.md principle 6). Every text is built in one place:
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
