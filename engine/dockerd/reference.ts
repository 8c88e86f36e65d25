// Image references as the daemon normalises them: `busybox` means `busybox:latest`, and the
// docker.io/library/ prefixes are dropped because the CLI shows the short form.

export interface Reference {
  repo: string;
  tag: string;
}

const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?\/)?/;
const TAG = /^[\w][\w.-]{0,127}$/;

export function parseReference(ref: string): Reference | undefined {
  let s = ref;
  let tag = 'latest';
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
  }
  if (!TAG.test(tag)) return undefined;
  s = s.replace(/^docker\.io\//, '').replace(/^library\//, '');
  const dm = DOMAIN.exec(s);
  const domain = dm && /[.:]|^localhost\//.test(dm[0]) ? dm[0] : '';
  const path = s.slice(domain.length);
  if (!NAME.test(path)) return undefined;
  return { repo: domain + path, tag };
}

export function familiar(r: Reference): string {
  return `${r.repo}:${r.tag}`;
}
