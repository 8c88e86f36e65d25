// How the daemons show up in `ps`: process.title rewrites the command line (args), and the kernel's
// comm (what `ps -o comm` and /proc/<pid>/stat show) is set to the program name alone. Left to
// libuv, comm would be the title's first 15 bytes, "ref-containerd " with a trailing space.
import koffi from 'koffi';

const PR_SET_NAME = 15;
const TASK_COMM_LEN = 16;

export function setProcessName(words: string[]): void {
  process.title = words.join(' ');
  try {
    const prctl = koffi.load('libc.so.6').func('int prctl(int, const char *, unsigned long, unsigned long, unsigned long)');
    prctl(PR_SET_NAME, words[0]!.slice(0, TASK_COMM_LEN - 1), 0, 0, 0);
  } catch {
    // cosmetic only
  }
}
