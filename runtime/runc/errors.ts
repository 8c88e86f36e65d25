// Every error text that reaches the shim or a person, in one place. They are runc 1.1.5's texts
// (measured against Debian 12's runc): containerd and dockerd match on some of them, e.g.
// "container not running" and "does not exist" make a kill or delete of a gone container a no-op,
// and "executable file not found in $PATH" makes `docker run` exit 127.

export class RuntimeError extends Error {}

export const errors = {
  notExist: () => new RuntimeError('container does not exist'),
  exists: () => new RuntimeError('container with given ID already exists'),
  invalidId: (id: string) => new RuntimeError(`invalid container id format: ${id}`),
  missingId: (command: string) => new RuntimeError(`"${command}" requires exactly 1 argument(s)`),
  specNotFound: (path: string) => new RuntimeError(`JSON specification file ${path} not found`),
  notRunning: () => new RuntimeError('container not running'),
  startStopped: () => new RuntimeError('cannot start a container that has stopped'),
  startRunning: () => new RuntimeError('cannot start an already running container'),
  startDead: () => new RuntimeError('container process is already dead'),
  deleteNotStopped: (id: string, status: string) =>
    new RuntimeError(`cannot delete container ${id} that is not stopped: ${status}`),
  execStopped: () => new RuntimeError('cannot exec in a stopped container'),
  unknownSignal: (raw: string) => new RuntimeError(`unknown signal "${raw}"`),
  createFailed: (detail: string) =>
    new RuntimeError(`runc create failed: unable to start container process: ${detail}`),
  usage: (text: string) => new RuntimeError(text),
} as const;

/**
 * runc's check of a terminal against --console-socket, the same for create and exec (both detach
 * here): a terminal needs the socket to send its master over, and the socket is only for a terminal.
 */
export function checkTerminal(terminal: boolean | undefined, consoleSocket: string | undefined): void {
  if (terminal && !consoleSocket) throw new RuntimeError('cannot allocate tty if runc will detach without setting console socket');
  if (!terminal && consoleSocket) throw new RuntimeError('cannot use console socket if runc will not detach or allocate tty');
}
