// Draws a process-tree snapshot (what steps/support/world.ts attaches) as an SVG tree, left to
// right: parent → child edges, each process a box with its name, host pid, pid inside its pid
// namespace when it is nested, its role and what it listens on. A reader should see at a glance
// `dockerd → containerd`, the shim that was reparented away from containerd, `docker-init → cmd`
// inside the container, and one docker-proxy per published address.

import type { Role, SnapshotProcess, ProcessSnapshot } from '../lib/process-snapshot.js';
export type { Role, SnapshotProcess, ProcessSnapshot } from '../lib/process-snapshot.js';
export { SNAPSHOT_MEDIA_TYPE } from '../lib/process-snapshot.js';

/** Colours per role; a process without a role is a container's own process. */
export const ROLE_COLORS: Record<Role | 'container', string> = {
  dockerd: '#2563eb',
  containerd: '#7c3aed',
  'containerd-shim': '#0d9488',
  runc: '#b45309',
  'docker-init': '#ea580c',
  'docker-proxy': '#db2777',
  container: '#475569',
};

/** Short role names for the chip on a box: the box is narrow and the name is already on it. */
export const ROLE_CHIPS: Record<Role, string> = {
  dockerd: 'dockerd',
  containerd: 'containerd',
  'containerd-shim': 'shim',
  runc: 'runc',
  'docker-init': 'init',
  'docker-proxy': 'proxy',
};

const ROLE_ORDER: Array<Role | undefined> = ['containerd', 'containerd-shim', 'runc', 'docker-init', 'docker-proxy', undefined, 'dockerd'];

const BOX_W = 228;
const GAP_X = 36;
const GAP_Y = 10;
const LINE_H = 14;
const PAD = 8;
const ROOT_CAPTION_H = 14;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

interface Laid {
  p: SnapshotProcess;
  x: number;
  y: number;
  h: number;
  lines: Array<{ text: string; cls: string }>;
  caption?: string;
}

function linesOf(p: SnapshotProcess): Array<{ text: string; cls: string }> {
  const lines: Array<{ text: string; cls: string }> = [];
  // The pid a process sees for itself inside a container: the last NSpid entry, when nested.
  const inner = p.nspid.length > 1 ? p.nspid[p.nspid.length - 1] : undefined;
  lines.push({ text: `pid ${p.pid}${inner !== undefined ? `  ·  pid ${inner} in container` : ''}`, cls: 'pid' });
  const args = p.argv.slice(1).join(' ');
  if (args) lines.push({ text: clip(args, 34), cls: 'argv' });
  for (const l of p.listens.slice(0, 4)) lines.push({ text: `listens ${l}`, cls: 'listen' });
  if (p.listens.length > 4) lines.push({ text: `… ${p.listens.length - 4} more listeners`, cls: 'listen' });
  if (p.state === 'Z') lines.push({ text: 'zombie: exited, not reaped', cls: 'zombie' });
  return lines;
}

function sortChildren(a: SnapshotProcess, b: SnapshotProcess): number {
  return ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.pid - b.pid;
}

/** The snapshot as one self-contained <svg> element (no external fonts, styles or scripts). */
export function processTreeSvg(snap: ProcessSnapshot): string {
  const byPid = new Map(snap.processes.map((p) => [p.pid, p]));
  const children = new Map<number, SnapshotProcess[]>();
  const roots: SnapshotProcess[] = [];
  for (const p of snap.processes) {
    if (p.pid !== p.ppid && byPid.has(p.ppid)) {
      const list = children.get(p.ppid) ?? [];
      list.push(p);
      children.set(p.ppid, list);
    } else {
      roots.push(p);
    }
  }
  for (const list of children.values()) list.sort(sortChildren);
  // The daemon's tree first, then trees that hang off other parents (a shim reparented to PID 1).
  roots.sort((a, b) => Number(b.pid === snap.daemonPid) - Number(a.pid === snap.daemonPid) || sortChildren(a, b));

  const laid: Laid[] = [];
  const edges: Array<[Laid, Laid]> = [];
  let maxDepth = 0;
  const seen = new Set<number>();
  const place = (p: SnapshotProcess, depth: number, y: number, caption?: string): { node: Laid; bottom: number } => {
    seen.add(p.pid);
    maxDepth = Math.max(maxDepth, depth);
    const lines = linesOf(p);
    const top = y + (caption ? ROOT_CAPTION_H : 0);
    const node: Laid = { p, x: depth * (BOX_W + GAP_X), y: top, h: PAD * 2 + 16 + lines.length * LINE_H, lines, caption };
    laid.push(node);
    let bottom = top + node.h;
    let cy = top;
    for (const c of children.get(p.pid) ?? []) {
      if (seen.has(c.pid)) continue;
      const r = place(c, depth + 1, cy);
      edges.push([node, r.node]);
      cy = r.bottom + GAP_Y;
      bottom = Math.max(bottom, r.bottom);
    }
    return { node, bottom };
  };
  let y = 0;
  for (const r of roots) {
    let caption: string | undefined;
    if (r.pid !== snap.daemonPid) {
      caption = r.ppid === 1 ? 'parent: PID 1 (reparented to the host init)' : r.ppid === 0 ? '' : `parent: pid ${r.ppid} (outside the engine)`;
    }
    y = place(r, 0, y, caption || undefined).bottom + GAP_Y * 2;
  }
  const width = (maxDepth + 1) * (BOX_W + GAP_X) - GAP_X + 2;
  const height = Math.max(y - GAP_Y * 2, 40) + 2;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="ptree" width="${width}" height="${height}" viewBox="-1 -1 ${width} ${height}" role="img" aria-label="${escapeXml(`process tree of ${snap.target}: ${snap.label}`)}">`,
  );
  for (const [a, b] of edges) {
    const x1 = a.x + BOX_W;
    const y1 = a.y + 18;
    const x2 = b.x;
    const y2 = b.y + 18;
    const mx = x1 + GAP_X / 2;
    out.push(`<path class="edge" d="M${x1},${y1} H${mx} V${y2} H${x2}" fill="none" stroke="#94a3b8" stroke-width="1.5"/>`);
    out.push(`<path d="M${x2 - 6},${y2 - 4} L${x2},${y2} L${x2 - 6},${y2 + 4}" fill="none" stroke="#94a3b8" stroke-width="1.5"/>`);
  }
  for (const n of laid) {
    const color = ROLE_COLORS[n.p.role ?? 'container'];
    const zombie = n.p.state === 'Z';
    const title = `${n.p.argv.join(' ') || n.p.name}\npid ${n.p.pid}, ppid ${n.p.ppid}, pgid ${n.p.pgid}, sid ${n.p.sid}, state ${n.p.state}` + (n.p.nspid.length > 1 ? `\nNSpid ${n.p.nspid.join(' ')}` : '');
    out.push(`<g class="proc${n.p.role ? ` role-${n.p.role}` : ''}" data-pid="${n.p.pid}" data-role="${n.p.role ?? ''}"><title>${escapeXml(title)}</title>`);
    if (n.caption) out.push(`<text x="${n.x + 2}" y="${n.y - 4}" font-size="10" fill="#64748b" font-style="italic" font-family="system-ui,sans-serif">${escapeXml(n.caption)}</text>`);
    out.push(
      `<rect x="${n.x}" y="${n.y}" width="${BOX_W}" height="${n.h}" rx="7" fill="${n.p.role ? color + '14' : '#ffffff'}" stroke="${zombie ? '#dc2626' : color}" stroke-width="${n.p.role ? 1.6 : 1}"${zombie ? ' stroke-dasharray="4 3"' : ''}/>`,
    );
    out.push(`<rect x="${n.x}" y="${n.y}" width="5" height="${n.h}" rx="2" fill="${color}"/>`);
    // Room for the name is what the role chip leaves (monospace: about 7.3 px a character).
    const chipW = n.p.role ? ROLE_CHIPS[n.p.role].length * 6.2 + 10 : 0;
    const nameChars = Math.floor((BOX_W - 18 - chipW - (chipW ? 8 : 0)) / 7.3);
    out.push(`<text x="${n.x + 12}" y="${n.y + PAD + 11}" font-size="12" font-weight="600" fill="#0f172a" font-family="ui-monospace,SFMono-Regular,Menlo,Consolas,monospace">${escapeXml(clip(n.p.name, nameChars))}</text>`);
    if (n.p.role) {
      const label = ROLE_CHIPS[n.p.role];
      const w = label.length * 6.2 + 10;
      out.push(`<rect x="${n.x + BOX_W - w - 6}" y="${n.y + 6}" width="${w}" height="15" rx="7.5" fill="${color}"/>`);
      out.push(`<text x="${n.x + BOX_W - w / 2 - 6}" y="${n.y + 17}" text-anchor="middle" font-size="10" font-weight="600" fill="#fff" font-family="system-ui,sans-serif">${escapeXml(label)}</text>`);
    }
    n.lines.forEach((l, i) => {
      const fill = l.cls === 'listen' ? '#be185d' : l.cls === 'zombie' ? '#dc2626' : l.cls === 'argv' ? '#64748b' : '#334155';
      out.push(`<text class="${l.cls}" x="${n.x + 12}" y="${n.y + PAD + 16 + (i + 1) * LINE_H - 2}" font-size="10.5" fill="${fill}" font-family="ui-monospace,SFMono-Regular,Menlo,Consolas,monospace">${escapeXml(l.text)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('');
}
