// The conformance report as one self-contained HTML file: inline CSS, inline script, inline SVG,
// no fonts or scripts fetched from anywhere, so that it opens from file:// on a machine without
// network and can be attached to a CI run as a single artifact.
import { Outcome } from './outcomes.js';
import { Cell, Column, Matrix, OUTCOMES, Row } from './matrix.js';
import { ROLE_CHIPS, ROLE_COLORS, escapeXml as esc, processTreeSvg } from './process-tree-svg.js';

export const OUTCOME_LABELS: Record<Outcome, string> = {
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  deviation: 'expected deviation',
  'unexpected-pass': 'listed deviation passed',
};

const OUTCOME_ICONS: Record<Outcome, string> = {
  passed: '✓',
  failed: '✗',
  skipped: '–',
  deviation: '≠',
  'unexpected-pass': '!',
};

function date(iso: string): string {
  if (!iso) return 'date unknown';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

function badge(outcome: Outcome, extra = ''): string {
  return `<span class="badge o-${outcome}${extra}">${OUTCOME_ICONS[outcome]} ${esc(OUTCOME_LABELS[outcome])}</span>`;
}

function columnHeader(col: Column, i: number): string {
  const c = col.counts;
  const total = OUTCOMES.reduce((s, o) => s + c[o], 0);
  const bar = OUTCOMES.filter((o) => c[o] > 0)
    .map((o) => `<span class="seg o-${o}" style="flex:${c[o]}" title="${c[o]} ${esc(OUTCOME_LABELS[o])}"></span>`)
    .join('');
  const counts = OUTCOMES.map(
    (o) => `<li class="${c[o] ? '' : 'zero'}"><span class="dot o-${o}"></span><span class="n" data-col="${i}" data-outcome="${o}">${c[o]}</span> ${esc(OUTCOME_LABELS[o])}</li>`,
  ).join('');
  const facts = [
    ['engine', col.engineVersion],
    ['host', col.host + (col.cgroup ? ` · cgroup ${col.cgroup}` : '') + (col.mode === 'attached' ? ` (attached${col.dockerHost ? ` via ${col.dockerHost}` : ''})` : '')],
    ['run', date(col.startedAt) + (col.shards.length ? ` · shards ${col.shards.sort().join(', ')}` : '') + (col.files.length > 1 ? ` · ${col.files.length} message files` : '')],
  ];
  if (col.commits.length) facts.push(['dockspec', col.commits.join(', ')]);
  if (col.mode === 'attached') facts.push(['not controlled', `${col.notControlled.length} skipped: the engine is not the harness's to control${col.notControlled.length ? ` (${col.notControlled.join(', ')})` : ''}`]);
  return `<section class="colcard" data-col="${i}">
  <h2><span class="target t-${esc(col.target.split('+')[0])}">${esc(col.target)}</span><span class="total" data-col="${i}" data-total="${total}">${total} scenarios</span></h2>
  <dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd title="${esc(v)}">${esc(v)}</dd>`).join('')}</dl>
  <div class="bar">${bar}</div>
  <ul class="counts">${counts}</ul>
</section>`;
}

function areaTable(m: Matrix): string {
  const head = m.columns.map((c, i) => `<th data-col="${i}">${esc(c.target)}<small>${esc(c.host)}</small></th>`).join('');
  const body = m.areas
    .map((area) => {
      const cells = m.columns
        .map((col, i) => {
          const c = m.countsByArea[area]?.[col.key];
          if (!c) return `<td class="none">not run</td>`;
          return `<td>${OUTCOMES.filter((o) => c[o])
            .map((o) => `<span class="chip o-${o}" title="${esc(OUTCOME_LABELS[o])}" data-area="${esc(area)}" data-col="${i}" data-outcome="${o}">${OUTCOME_ICONS[o]} ${c[o]}</span>`)
            .join('')}</td>`;
        })
        .join('');
      return `<tr><th scope="row"><a href="#" class="area-link" data-area="${esc(area)}">${esc(area)}</a></th>${cells}</tr>`;
    })
    .join('');
  return `<table class="areas"><thead><tr><th>area</th>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function transcript(text: string): string {
  return `<pre class="transcript">${esc(text)}</pre>`;
}

function cellDetail(cell: Cell | undefined, col: Column): string {
  if (!cell) return `<div class="panel none"><p class="muted">not run on ${esc(col.target)} at ${esc(col.host)}</p></div>`;
  const s = cell.scenario;
  const parts: string[] = [];
  parts.push(`<div class="panel-head">${badge(cell.outcome)}<span class="muted">${(s.durationMs / 1000).toFixed(1)} s</span></div>`);
  if (cell.reason && cell.outcome !== 'failed') parts.push(`<p class="reason r-${cell.outcome}">${esc(cell.reason)}</p>`);
  const failing = s.steps.find((st) => st.status !== 'PASSED' && st.status !== 'SKIPPED');
  if (failing && (cell.outcome === 'failed' || cell.outcome === 'deviation')) {
    parts.push(`<div class="failure"><div class="fstep">${failing.keyword === 'Hook' ? 'in a hook' : 'failing step'}: <b>${esc(failing.text === 'hook' ? 'hook' : failing.text)}</b> <span class="st">${esc(failing.status)}</span></div>`);
    if (failing.message) parts.push(`<pre class="error">${esc(failing.message)}</pre>`);
    // A "Then" step often checks the command an earlier step ran: show the last output there is.
    const idx = s.steps.indexOf(failing);
    const source = failing.attachments.length ? failing : s.steps.slice(0, idx).reverse().find((st) => st.attachments.length && st.keyword !== 'Hook');
    if (source) {
      parts.push(`<div class="sub">${source === failing ? "output of the step's commands" : `output of the last command, from “${esc(source.text)}”`}</div>`);
      for (const a of source === failing ? source.attachments : source.attachments.slice(-1)) parts.push(transcript(a));
    }
    parts.push(`</div>`);
  }
  const steps = s.steps
    .filter((st) => st.keyword !== 'Hook' || st.status !== 'PASSED' || st.attachments.length)
    .map((st) => {
      const body = st.attachments.length ? `<details><summary>${st.attachments.length} transcript${st.attachments.length > 1 ? 's' : ''}</summary>${st.attachments.map(transcript).join('')}</details>` : '';
      return `<li class="s-${st.status.toLowerCase()}"><span class="sicon">${({ PASSED: '✓', FAILED: '✗', SKIPPED: '–' } as Record<string, string>)[st.status] ?? '?'}</span><span class="stext">${esc(st.text === 'hook' ? '(hook)' : st.text)}</span><span class="sdur">${st.durationMs >= 100 ? (st.durationMs / 1000).toFixed(1) + ' s' : ''}</span>${body}</li>`;
    })
    .join('');
  parts.push(`<ol class="steps">${steps}</ol>`);
  return `<div class="panel">${parts.join('')}</div>`;
}

function snapshotsBlock(row: Row, cols: Column[]): string {
  const labels: string[] = [];
  for (const col of cols) for (const snap of row.cells[col.key]?.snapshots ?? []) if (!labels.includes(snap.label)) labels.push(snap.label);
  if (!labels.length) return '';
  const blocks = labels.map((label) => {
    const panels = cols
      .map((col) => {
        const snap = row.cells[col.key]?.snapshots.find((x) => x.label === label);
        if (!snap) return `<figure class="tree none"><figcaption>${esc(col.target)}</figcaption><p class="muted">no snapshot</p></figure>`;
        const step = snap.step && snap.step !== 'hook' ? `<span class="muted"> after “${esc(snap.step)}”</span>` : '';
        return `<figure class="tree"><figcaption><b>${esc(col.target)}</b>${step}<span class="muted"> · ${snap.processes.length} processes</span></figcaption><div class="svgwrap">${processTreeSvg(snap)}</div></figure>`;
      })
      .join('');
    return `<div class="snap"><h4>process tree ${esc(label)}</h4><div class="side" style="--n:${cols.length}">${panels}</div></div>`;
  });
  return `<div class="snaps">${blocks.join('')}</div>`;
}

/** The scenario's description, its `Source:` paragraph (docs/design.md) apart, with the pages it cites as links. */
function descriptionHtml(description: string): string {
  const at = description.search(/^\s*Source:/m);
  const [claim, source] = at < 0 ? [description, ''] : [description.slice(0, at), description.slice(at)];
  const para = (text: string) => esc(text.trim()).replace(/\n\s*/g, ' ');
  const linked = para(source).replace(/https:\/\/[^\s)&<]+/g, (url) => `<a href="${url}">${url}</a>`);
  return `${claim.trim() ? `<p>${para(claim)}</p>` : ''}${source ? `<p class="source">${linked}</p>` : ''}`;
}

function rowHtml(row: Row, cols: Column[], index: number): string {
  const cells = cols
    .map((col) => {
      const cell = row.cells[col.key];
      if (!cell) return `<td class="cell none" data-outcome="none"><span class="muted">not run</span></td>`;
      const reason = cell.outcome !== 'passed' && cell.reason ? `<div class="why">${esc(cell.reason)}</div>` : '';
      return `<td class="cell" data-outcome="${cell.outcome}">${badge(cell.outcome)}${reason}</td>`;
    })
    .join('');
  const outcomes = [...new Set(cols.map((c) => row.cells[c.key]?.outcome).filter(Boolean))].join(' ');
  const search = [row.reqIds.join(' '), row.name, row.uri, row.tags.join(' '), row.description, ...cols.map((c) => row.cells[c.key]?.reason ?? '')].join(' ').toLowerCase();
  const detail = `<div class="desc">${descriptionHtml(row.description)}<p class="muted">${esc(row.uri)}:${row.line} · ${row.tags.map((t) => `<code>${esc(t)}</code>`).join(' ')}</p></div>
<div class="side" style="--n:${cols.length}">${cols.map((c) => cellDetail(row.cells[c.key], c)).join('')}</div>${snapshotsBlock(row, cols)}`;
  return `<tbody class="scn${row.differs ? ' differs' : ''}" id="s${index}" data-area="${esc(row.area)}" data-outcomes="${outcomes}" data-differs="${row.differs ? 1 : 0}" data-search="${esc(search)}">
<tr class="sum" tabindex="0" aria-expanded="false"><td class="req">${row.reqIds.length ? row.reqIds.map((r) => `<code>${esc(r)}</code>`).join('<br>') : '<span class="muted">no @req</span>'}</td><td class="name"><span class="caret">▸</span>${esc(row.name)}<div class="loc">${esc(row.uri)}:${row.line}</div></td>${cells}</tr>
<tr class="detail" hidden><td colspan="${cols.length + 2}">${detail}</td></tr>
</tbody>`;
}

const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;
--passed:#15803d;--passed-bg:#dcfce7;--failed:#b91c1c;--failed-bg:#fee2e2;--skipped:#475569;--skipped-bg:#e2e8f0;
--deviation:#a16207;--deviation-bg:#fef3c7;--unexpected-pass:#7e22ce;--unexpected-pass-bg:#f3e8ff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header.top{background:#0f172a;color:#f8fafc;padding:18px 28px 16px}
header.top h1{margin:0;font-size:20px;font-weight:650;letter-spacing:.2px}
header.top p{margin:4px 0 0;color:#cbd5e1;font-size:13px}
main{padding:18px 28px 60px;max-width:1800px;margin:0 auto}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f1f5f9;border-radius:4px;padding:1px 4px}
.muted{color:var(--muted)}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:14px;margin-bottom:16px}
.colcard{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.colcard h2{margin:0 0 8px;font-size:16px;display:flex;justify-content:space-between;align-items:center}
.target{font-weight:700}.t-reference{color:#0d9488}.t-docker{color:#2563eb}.t-docker26{color:#7c3aed}
.total{font-size:12px;color:var(--muted);font-weight:500}
.colcard dl{display:grid;grid-template-columns:70px 1fr;gap:2px 8px;margin:0 0 10px;font-size:12.5px}
.colcard dt{color:var(--muted)}.colcard dd{margin:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar{display:flex;height:10px;border-radius:5px;overflow:hidden;background:#e2e8f0;margin-bottom:8px}
.seg.o-passed{background:var(--passed)}.seg.o-failed{background:var(--failed)}.seg.o-skipped{background:#94a3b8}.seg.o-deviation{background:#eab308}.seg.o-unexpected-pass{background:var(--unexpected-pass)}
.counts{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12.5px}
.counts li.zero{opacity:.45}.counts .n{font-weight:700}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:5px}
.dot.o-passed{background:var(--passed)}.dot.o-failed{background:var(--failed)}.dot.o-skipped{background:#94a3b8}.dot.o-deviation{background:#eab308}.dot.o-unexpected-pass{background:var(--unexpected-pass)}
.grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.2fr);gap:14px;margin-bottom:14px;align-items:start}
@media (max-width:1000px){.grid2{grid-template-columns:1fr}}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.card h3{margin:0 0 8px;font-size:13px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted)}
table.areas{border-collapse:collapse;width:100%;font-size:13px}
table.areas th,table.areas td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line)}
table.areas thead th{font-weight:600}table.areas thead th small{display:block;font-weight:400;color:var(--muted);font-size:11px}
table.areas a{color:var(--ink);text-decoration:none;border-bottom:1px dotted var(--muted)}
.chip{display:inline-block;border-radius:10px;padding:0 7px;margin:1px 4px 1px 0;font-size:12px;font-weight:600}
.chip.o-passed,.badge.o-passed{background:var(--passed-bg);color:var(--passed)}
.chip.o-failed,.badge.o-failed{background:var(--failed-bg);color:var(--failed)}
.chip.o-skipped,.badge.o-skipped{background:var(--skipped-bg);color:var(--skipped)}
.chip.o-deviation,.badge.o-deviation{background:var(--deviation-bg);color:var(--deviation)}
.chip.o-unexpected-pass,.badge.o-unexpected-pass{background:var(--unexpected-pass-bg);color:var(--unexpected-pass)}
.legend{display:grid;grid-template-columns:auto 1fr;gap:5px 10px;font-size:12.5px;align-items:center}
.legend .roles{grid-column:1/-1;display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.role{border-radius:9px;color:#fff;font-size:11px;font-weight:600;padding:1px 8px}
.filters{position:sticky;top:0;z-index:5;background:var(--bg);padding:10px 0;display:flex;flex-wrap:wrap;gap:10px 16px;align-items:center;border-bottom:1px solid var(--line)}
.filters input[type=search]{flex:1 1 260px;min-width:200px;padding:7px 10px;border:1px solid #cbd5e1;border-radius:8px;font:inherit;background:#fff}
.filters select{padding:6px 8px;border:1px solid #cbd5e1;border-radius:8px;font:inherit;background:#fff}
.filters label{font-size:13px;cursor:pointer;user-select:none;white-space:nowrap}
.filters .ofilter{display:flex;gap:4px;flex-wrap:wrap}
.filters .ofilter label{border-radius:14px;padding:3px 10px;border:1px solid transparent}
.filters .ofilter input{margin:0 5px 0 0;vertical-align:-1px}
.filters .shown{margin-left:auto;color:var(--muted);font-size:13px}
button.link{background:none;border:0;color:#2563eb;cursor:pointer;font:inherit;padding:0}
table.matrix{width:100%;border-collapse:separate;border-spacing:0;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden;margin-top:10px}
table.matrix thead th{background:#f8fafc;text-align:left;font-size:12px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted);padding:9px 10px;border-bottom:1px solid var(--line)}
table.matrix thead th small{display:block;text-transform:none;letter-spacing:0;font-size:11px}
tbody.areahead th{background:#f1f5f9;text-align:left;padding:8px 10px;font-size:13px;border-bottom:1px solid var(--line)}
tbody.areahead th .chip{font-weight:500}
tr.sum{cursor:pointer}tr.sum:hover td{background:#f8fafc}
tr.sum td{padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
td.req{width:210px}td.req code{font-size:11.5px;white-space:nowrap}
.desc p.source{color:var(--muted)}.desc p.source a{word-break:break-all}
td.name{min-width:260px}.loc{color:var(--muted);font-size:11.5px;margin-top:2px}
.caret{display:inline-block;width:14px;color:var(--muted);transition:transform .15s}
tbody.open .caret{transform:rotate(90deg)}
td.cell{width:min(22%,300px)}
.badge{display:inline-block;border-radius:6px;padding:1px 8px;font-size:12px;font-weight:650;white-space:nowrap}
.why{font-size:12px;color:#334155;margin-top:3px;max-width:340px}
tbody.differs td.req{box-shadow:inset 3px 0 0 #eab308}
tr.detail>td{background:#fbfcfd;padding:12px 16px 18px;border-bottom:2px solid var(--line)}
.desc p{margin:0 0 6px;max-width:1000px}
.side{display:grid;grid-template-columns:repeat(var(--n),minmax(0,1fr));gap:12px}
.panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px;min-width:0}
.panel-head{display:flex;justify-content:space-between;align-items:center;margin-bottom:6px}
.reason{margin:4px 0 8px;font-size:13px;padding:6px 9px;border-radius:6px}
.r-skipped{background:var(--skipped-bg)}.r-deviation{background:var(--deviation-bg)}.r-unexpected-pass{background:var(--unexpected-pass-bg)}
.failure{border-left:3px solid var(--failed);background:#fff5f5;padding:6px 10px;margin:6px 0 10px;border-radius:0 6px 6px 0}
.failure .st{color:var(--failed);font-size:11px;font-weight:700}
.failure .sub{font-size:11.5px;color:var(--muted);margin-top:6px}
pre{white-space:pre-wrap;word-break:break-word;font:11.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:4px 0;padding:7px 9px;border-radius:6px;max-height:340px;overflow:auto}
pre.error{background:#fee2e2;color:#7f1d1d}
pre.transcript{background:#0f172a;color:#e2e8f0}
ol.steps{list-style:none;margin:0;padding:0;font-size:13px}
ol.steps li{padding:2px 0;display:grid;grid-template-columns:18px 1fr auto;gap:2px 6px}
ol.steps li details{grid-column:2/-1;font-size:12px}ol.steps summary{color:var(--muted);cursor:pointer}
.sicon{font-weight:700}.s-passed .sicon{color:var(--passed)}.s-failed .sicon,.s-failed .stext{color:var(--failed)}.s-skipped{color:var(--muted)}
.s-undefined .sicon,.s-pending .sicon,.s-ambiguous .sicon{color:var(--deviation)}
.sdur{color:var(--muted);font-size:11.5px}
.snaps{margin-top:14px}
.snap h4{margin:10px 0 6px;font-size:12.5px;font-weight:600;color:#334155}
figure.tree{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 10px;min-width:0}
figure.tree figcaption{font-size:12.5px;margin-bottom:6px}
.svgwrap{overflow-x:auto}.svgwrap svg{display:block;max-width:100%;height:auto}
footer{color:var(--muted);font-size:12px;margin-top:18px}
.empty{padding:30px;text-align:center;color:var(--muted)}
`;

const SCRIPT = `
(function(){
  var q=document.getElementById('q'),area=document.getElementById('area'),diff=document.getElementById('only-diff');
  var boxes=[].slice.call(document.querySelectorAll('.ofilter input'));
  var rows=[].slice.call(document.querySelectorAll('tbody.scn'));
  var heads=[].slice.call(document.querySelectorAll('tbody.areahead'));
  var shown=document.getElementById('shown');
  function apply(){
    var text=q.value.trim().toLowerCase().split(/\\s+/).filter(Boolean);
    var a=area.value, on={};
    boxes.forEach(function(b){on[b.value]=b.checked});
    var n=0, perArea={};
    rows.forEach(function(r){
      var outs=r.getAttribute('data-outcomes').split(' ');
      var ok=(!a||r.getAttribute('data-area')===a)
        &&outs.some(function(o){return on[o]})
        &&(!diff.checked||r.getAttribute('data-differs')==='1')
        &&text.every(function(t){return r.getAttribute('data-search').indexOf(t)>=0});
      r.hidden=!ok; if(ok){n++;perArea[r.getAttribute('data-area')]=1}
    });
    heads.forEach(function(h){h.hidden=!perArea[h.getAttribute('data-area')]});
    shown.textContent=n+' of '+rows.length+' scenarios shown';
    shown.setAttribute('data-shown',n);
    var p=new URLSearchParams();
    if(q.value)p.set('q',q.value); if(a)p.set('area',a); if(diff.checked)p.set('diff','1');
    var off=boxes.filter(function(b){return !b.checked}).map(function(b){return b.value});
    if(off.length)p.set('hide',off.join(','));
    var s=p.toString(); try{history.replaceState(null,'',s?'#'+s:location.pathname+location.search)}catch(e){}
  }
  function toggle(tb,open){
    var d=tb.querySelector('tr.detail'); if(open===undefined)open=d.hidden;
    d.hidden=!open; tb.classList.toggle('open',open);
    tb.querySelector('tr.sum').setAttribute('aria-expanded',String(open));
  }
  rows.forEach(function(r){
    var s=r.querySelector('tr.sum');
    s.addEventListener('click',function(){toggle(r)});
    s.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();toggle(r)}});
  });
  [q,area,diff].concat(boxes).forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply)});
  [].slice.call(document.querySelectorAll('.area-link')).forEach(function(l){
    l.addEventListener('click',function(e){e.preventDefault();area.value=l.getAttribute('data-area');apply();document.getElementById('matrix').scrollIntoView()});
  });
  document.getElementById('expand-failures').addEventListener('click',function(){
    rows.forEach(function(r){if(!r.hidden&&/failed|deviation|unexpected-pass/.test(r.getAttribute('data-outcomes')))toggle(r,true)});
  });
  document.getElementById('collapse-all').addEventListener('click',function(){rows.forEach(function(r){toggle(r,false)})});
  // Filters survive a reload and can be shared as a link: they live in the fragment.
  var init=new URLSearchParams(location.hash.slice(1));
  if(init.get('q'))q.value=init.get('q'); if(init.get('area'))area.value=init.get('area'); if(init.get('diff'))diff.checked=true;
  (init.get('hide')||'').split(',').forEach(function(v){boxes.forEach(function(b){if(b.value===v)b.checked=false})});
  apply();
})();
`;

export function renderHtml(m: Matrix, title = 'dockspec conformance report'): string {
  const cols = m.columns;
  const totals: Record<string, number> = {};
  for (const r of m.rows) for (const c of cols) {
    const o = r.cells[c.key]?.outcome;
    if (o) totals[o] = (totals[o] ?? 0) + 1;
  }
  const differing = m.rows.filter((r) => r.differs).length;
  const head = `<tr><th>requirement</th><th>scenario</th>${cols.map((c) => `<th>${esc(c.target)}<small>${esc(c.engineVersion)} · ${esc(c.host)}${c.cgroup ? ` · cgroup ${esc(c.cgroup)}` : ''}</small></th>`).join('')}</tr>`;
  const body: string[] = [];
  let index = 0;
  for (const area of m.areas) {
    const rows = m.rows.filter((r) => r.area === area);
    const chips = cols
      .map((c) => {
        const counts = m.countsByArea[area]?.[c.key];
        return counts ? `<span class="muted"> ${esc(c.target)}:</span> ${OUTCOMES.filter((o) => counts[o]).map((o) => `<span class="chip o-${o}">${OUTCOME_ICONS[o]} ${counts[o]}</span>`).join('')}` : '';
      })
      .join(' ');
    body.push(`<tbody class="areahead" data-area="${esc(area)}"><tr><th colspan="${cols.length + 2}">${esc(area)} <span class="muted">· ${rows.length} scenario${rows.length === 1 ? '' : 's'}</span> ${chips}</th></tr></tbody>`);
    for (const r of rows) body.push(rowHtml(r, cols, index++));
  }
  const outcomeBoxes = OUTCOMES.map((o) => `<label class="chip o-${o}"><input type="checkbox" value="${o}" checked>${esc(OUTCOME_LABELS[o])} <span>${totals[o] ?? 0}</span></label>`).join('');
  const roles = Object.entries(ROLE_COLORS)
    .map(([r, color]) => `<span class="role" style="background:${color}">${r === 'container' ? "container's own process" : esc(r) + (ROLE_CHIPS[r as keyof typeof ROLE_CHIPS] !== r ? ` (${ROLE_CHIPS[r as keyof typeof ROLE_CHIPS]})` : '')}</span>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style></head>
<body>
<header class="top"><h1>${esc(title)}</h1>
<p>${m.rows.length} scenarios · ${cols.length} column${cols.length === 1 ? '' : 's'} (${cols.map((c) => esc(c.target)).join(', ')}) · ${differing} where the engines differ · generated ${esc(date(m.generatedAt))}</p></header>
<main>
<div class="cols">${cols.map(columnHeader).join('') || '<p class="empty">no runs</p>'}</div>
<div class="grid2">
<section class="card"><h3>per area</h3>${areaTable(m)}</section>
<section class="card"><h3>how to read this</h3><div class="legend">
${OUTCOMES.map((o) => `${badge(o)}<span>${esc(
    {
      passed: 'the engine did what the scenario specifies',
      failed: 'it did not: open the row for the failing step, the error and the command output',
      skipped: 'not run on this engine; the reason says why (e.g. attached to a remote daemon)',
      deviation: 'fails, and is listed in deviations/<target>.json with the measured reason',
      'unexpected-pass': 'listed as a deviation but passed: the list is out of date',
    }[o],
  )}</span>`).join('')}
<div class="roles">${roles}</div>
<span class="muted" style="grid-column:1/-1">Process trees read left to right, parent → child; “pid N in container” is the pid the process sees inside its pid namespace. A yellow left edge marks a row where the engines differ.</span>
</div></section>
</div>
<div class="filters" role="search">
<input id="q" type="search" placeholder="filter: requirement, scenario, reason, tag…" aria-label="filter by text">
<select id="area" aria-label="area"><option value="">all areas</option>${m.areas.map((a) => `<option value="${esc(a)}">${esc(a)}</option>`).join('')}</select>
<div class="ofilter" aria-label="outcomes">${outcomeBoxes}</div>
<label><input type="checkbox" id="only-diff"> only where the engines differ</label>
<button class="link" id="expand-failures" type="button">open failures</button><button class="link" id="collapse-all" type="button">close all</button>
<span class="shown" id="shown"></span>
</div>
<table class="matrix" id="matrix"><thead>${head}</thead>${body.join('\n')}</table>
${m.rows.length ? '' : '<p class="empty">No scenarios in the message files.</p>'}
<footer>Built by <code>dockspec report</code> from ${cols.reduce((s, c) => s + c.files.length, 0)} message file(s). Self-contained: no network needed.</footer>
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
