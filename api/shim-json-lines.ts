// The old wire between ref-containerd and one ref-containerd-shim: JSON lines over the shim's unix
// socket, requests answered by id and exit events pushed unasked. Kept only until ref-containerd
// speaks ttrpc containerd.task.v2 to its shims (api/ttrpc, api/proto); then it goes.
import type { Socket } from 'node:net';
import type { ExitResult, TaskState } from './task-types.js';
import type { TaskErrorCode } from './errors.js';

export interface ShimCreateParams {
  id: string;
  bundle: string;
  runtimePath: string;
  runtimeRoot: string;
  stdin?: string;
  stdout: string;
  stderr: string;
}

export interface ShimExecParams {
  execId: string;
  spec: Record<string, unknown>;
  stdin?: string;
  stdout: string;
  stderr: string;
}

export interface ShimMethods {
  /** Handshake: who is on the other end, and is the task still there. */
  connect: { params: Record<string, never>; result: { shimPid: number; id: string; taskPid: number } };
  create: { params: ShimCreateParams; result: { pid: number } };
  start: { params: { execId?: string }; result: { pid: number } };
  kill: { params: { execId?: string; signal: number; all?: boolean }; result: Record<string, never> };
  delete: { params: { execId?: string }; result: ExitResult };
  state: { params: { execId?: string }; result: TaskState };
  wait: { params: { execId?: string }; result: ExitResult };
  exec: { params: ShimExecParams; result: Record<string, never> };
  /** Exit now if nothing runs; used by containerd when create failed half way. */
  shutdown: { params: Record<string, never>; result: Record<string, never> };
}

export type ShimMethod = keyof ShimMethods;

export interface ShimRequest<M extends ShimMethod = ShimMethod> {
  id: number;
  method: M;
  params: ShimMethods[M]['params'];
}

export interface ShimReply {
  id: number;
  result?: unknown;
  error?: { code: TaskErrorCode; message: string };
}

export interface ShimExitEvent {
  event: 'exit';
  containerId: string;
  execId: string;
  pid: number;
  exitStatus: number;
  exitedAt: string;
}

export type ShimMessage = ShimReply | ShimExitEvent;

/** Splits a byte stream into JSON values, one per line; a bad line is reported, not fatal. */
export function readJsonLines(socket: Socket, onValue: (v: unknown) => void, onBadLine?: (line: string) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        onBadLine?.(line);
        continue;
      }
      onValue(value);
    }
  });
}

export function writeJsonLine(socket: Socket, value: unknown): void {
  if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(value) + '\n');
}
