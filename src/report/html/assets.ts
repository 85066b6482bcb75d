// The page's only style and script, inlined: the report opens from a file, an e-mail attachment or a
// CI artifact without any network access (the page's Content-Security-Policy forbids it anyway).

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export const STYLE = `
:root { --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --bg-alt: #f6f8fa; --error: #d1242f; --warning: #bf8700; --info: #0969da; --ok: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 16px; }
h1 { font-size: 22px; margin: 8px 0 2px; }
h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid var(--border); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
.meta, .muted, footer { color: var(--muted); }
footer { padding: 24px 20px; font-size: 12px; }
.verdict { font-size: 16px; font-weight: 600; padding: 10px 14px; border-radius: 6px; border: 1px solid var(--border); background: var(--bg-alt); }
.verdict.error { border-color: var(--error); }
.verdict.warning { border-color: var(--warning); }
.alert { border: 1px solid var(--error); border-left-width: 6px; border-radius: 6px; padding: 8px 14px; margin: 14px 0; background: #fff5f5; }
.alert h2 { border: 0; margin: 6px 0; color: var(--error); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin: 0; }
.card { border: 1px solid var(--border); border-radius: 6px; padding: 8px 12px; }
.card dt { color: var(--muted); font-size: 12px; }
.card dd { margin: 2px 0 0; font-size: 20px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--border); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg-alt); font-weight: 600; }
td.mono, td a code { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr[data-repo] { cursor: pointer; }
tr[data-repo]:hover { background: #eef5ff; }
tr.hidden { display: none; }
.sev, .verdict-badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.sev.error, .verdict-badge.EXPIRE { background: var(--error); }
.sev.warning, .verdict-badge.TRANSITION { background: var(--warning); }
.sev.info { background: var(--info); }
.verdict-badge.KEEP { background: var(--ok); }
details.repo { border: 1px solid var(--border); border-radius: 6px; margin: 8px 0; padding: 0 12px; }
details.repo[open] { padding-bottom: 10px; }
details.repo > summary { cursor: pointer; padding: 8px 0; font-weight: 600; }
details.repo.incomplete { border-color: var(--error); }
.toolbar { display: flex; gap: 8px; align-items: center; margin: 6px 0; }
.toolbar input { padding: 4px 8px; min-width: 260px; }
ul.origins { margin: 0; padding-left: 18px; }
svg.chart { max-width: 100%; height: auto; font-size: 11px; }
svg.chart .grid { stroke: #e6e9ec; }
svg.chart .axis, svg.chart .legend { fill: var(--muted); }
svg.chart rect.expire { fill: var(--error); }
svg.chart rect.transition { fill: var(--warning); }
svg.chart .line { fill: none; stroke: var(--info); stroke-width: 2; }
`;

/** Drill-down: a click on a repository row (or a #repo-N link) opens that repository's section. */
export const SCRIPT = `
(function () {
  'use strict';
  function openRepo(id) {
    var section = id ? document.getElementById(id) : null;
    if (!section || !section.classList.contains('repo')) return;
    section.open = true;
    section.scrollIntoView({ block: 'start' });
  }
  document.addEventListener('click', function (event) {
    var row = event.target.closest ? event.target.closest('tr[data-repo]') : null;
    if (!row) return;
    event.preventDefault();
    var id = row.getAttribute('data-repo');
    if (location.hash === '#' + id) openRepo(id); else location.hash = id;
  });
  window.addEventListener('hashchange', function () { openRepo(decodeURIComponent(location.hash.slice(1))); });
  if (location.hash) openRepo(decodeURIComponent(location.hash.slice(1)));
  var filter = document.getElementById('repo-filter');
  if (filter) filter.addEventListener('input', function () {
    var q = filter.value.toLowerCase();
    document.querySelectorAll('#repo-table tr[data-repo]').forEach(function (row) {
      row.classList.toggle('hidden', q !== '' && row.getAttribute('data-name').toLowerCase().indexOf(q) < 0);
    });
  });
  function setAll(open) { document.querySelectorAll('details.repo').forEach(function (d) { d.open = open; }); }
  var expand = document.getElementById('expand-all');
  var collapse = document.getElementById('collapse-all');
  if (expand) expand.addEventListener('click', function () { setAll(true); });
  if (collapse) collapse.addEventListener('click', function () { setAll(false); });
})();
`;
