// How the daemons show up in `ps`: process.title rewrites the command line (args), and the kernel's
// comm (what `ps -o comm` and /proc/<pid>/stat show) is set to the program name alone. Left to
// libuv, comm would be the title's first 15 bytes, "ref-containerd " with a trailing space.
import { setCommName } from '../../lib/libc.js';

export function setProcessName(words: string[]): void {
  process.title = words.join(' ');
  try {
    setCommName(words[0]!);
  } catch {
    // cosmetic only
  }
}
