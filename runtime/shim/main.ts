// ref-containerd-shim: `… start` launches the running shim and prints its address, `… delete`
// cleans up after a dead one; without an action this process is the running shim of one container.
//
// Only the flags and the start step are loaded up front: the start step is a process of its own on
// every container start, and koffi and the serving modules cost it ~50 ms of CPU it does not need.
// Its comm, "ref-containerd-" (the title's first 15 bytes), is what containerd-shim-runc-v2's
// truncation to "containerd-shim" looks like.
import { parseShimFlags, serveArgs, type ShimFlags } from './shim-flags.js';
import { startStep } from './shim-start.js';

export async function main(argv: string[], script: string): Promise<void> {
  let flags: ShimFlags;
  try {
    flags = parseShimFlags(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  if (flags.action === 'start') {
    process.title = ['ref-containerd-shim', ...serveArgs(flags), 'start'].join(' ');
    process.exit(await startStep(flags, script));
  }
  if (flags.action === 'delete') {
    const { deleteAction } = await import('./delete-action.js');
    process.exit(await deleteAction(flags));
  }
  if (flags.action) {
    process.stderr.write(`unknown action ${flags.action}\n`);
    process.exit(2);
  }
  const { serve } = await import('./shim-serve.js');
  await serve(flags);
}
