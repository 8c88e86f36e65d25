// A test's directory of files, laid out as the kernel or a daemon would write them (cgroup files,
// state files), in a fresh temporary directory that the test removes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Writes `files` (relative path → content) under a new temporary directory and returns it. */
export function fileTree(files: Record<string, string>, prefix = 'dockspec-tree-'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}
