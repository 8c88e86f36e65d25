// The `filters` query parameter of list endpoints (containers, images), read as dockerd's
// filters.FromJSON does: Go's json.Unmarshal, whose syntax errors dockerd returns as 500s, and
// either the current form {"name": ["x"]} or the legacy {"name": {"x": true}}.
import { unmarshal } from './go-json.js';

export function parseFilters(raw: string | null): Record<string, string[]> {
  if (!raw) return {};
  const f = unmarshal(raw) as Record<string, string[] | Record<string, boolean>>;
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(f)) out[k] = Array.isArray(v) ? v : Object.keys(v).filter((x) => v[x]);
  return out;
}
