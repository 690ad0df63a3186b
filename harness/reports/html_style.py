"""The report's inline stylesheet and its one small script (the copy buttons)."""

from __future__ import annotations

# No network: the page may load nothing but itself (inline style and script, data: images).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)

CSS = """
:root { --blue:#005eb8; --dark:#212b32; --grey:#4c6272; --pale:#f0f4f5; --line:#d8dde0;
  --green:#007f3b; --red:#d5281b; --amber:#ffb81c; --legacy:#768692; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: var(--dark); background: var(--pale); }
header.top { background: var(--blue); color: #fff; padding: 20px 32px 18px; }
header.top h1 { margin: 0; font-size: 24px; font-weight: 600; }
header.top .meta { opacity: .9; font-size: 13px; margin-top: 4px; }
header.top .meta span { margin-right: 18px; }
header.top nav { margin-top: 10px; font-size: 13px; }
header.top nav a { color: #fff; text-decoration: none; margin-right: 16px; opacity: .85;
  border-bottom: 1px solid rgba(255,255,255,.4); }
header.top nav a:hover { opacity: 1; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 32px 48px; }
section { background: #fff; border-radius: 8px; padding: 18px 22px; margin: 0 0 18px;
  box-shadow: 0 1px 2px rgba(0,0,0,.06); }
h2 { font-size: 18px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 16px 0 8px; }
.muted { color: var(--grey); }
.verdict { display: flex; gap: 22px; align-items: center; border-left: 10px solid var(--grey); }
.verdict.passed { border-color: var(--green); } .verdict.failed { border-color: var(--red); }
.verdict .word { font-size: 34px; font-weight: 700; letter-spacing: .5px; min-width: 190px; }
.verdict.passed .word { color: var(--green); } .verdict.failed .word { color: var(--red); }
.verdict .word small { display:block; font-size: 13px; font-weight: 500; color: var(--grey);
  letter-spacing: 0; }
.verdict ul { margin: 0; padding-left: 18px; }
.kpis { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; margin: 0 0 18px; }
.kpi { background: #fff; border-radius: 8px; padding: 12px 16px;
  box-shadow: 0 1px 2px rgba(0,0,0,.06); }
.kpi .value { font-size: 26px; font-weight: 700; }
.kpi .label { font-size: 12px; color: var(--grey); text-transform: uppercase;
  letter-spacing: .4px; }
.kpi.bad .value { color: var(--red); } .kpi.good .value { color: var(--green); }
.kpi.warn .value { color: #8a5b00; }
.banner { padding: 10px 14px; border-radius: 6px; margin: 0 0 12px; background: #fff4d6;
  border: 1px solid var(--amber); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .4px; color: var(--grey); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.service-row td { background: #f7f9fa; font-weight: 600; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; background: var(--pale); color: var(--grey); white-space: nowrap; }
.badge.ok { background: #e0f2e8; color: var(--green); }
.badge.bad { background: #fbe3e1; color: var(--red); }
.badge.warn { background: #fff4d6; color: #8a5b00; }
.badge.kind { background: #e6eff9; color: var(--blue); }
.evidence { font-size: 12px; margin: 0 0 6px; }
.two { display: grid; grid-template-columns: 2fr 3fr; gap: 22px; }
.two > div { min-width: 0; overflow-x: auto; }
.grid3 { display: grid; grid-template-columns: repeat(3, 1fr); gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card h3 { margin: 0 0 4px; }
details.op { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 12px; }
details.op > summary { cursor: pointer; padding: 10px 14px; font-weight: 600; background: #f7f9fa;
  border-radius: 8px; }
.divergence { padding: 12px 14px; border-top: 1px solid var(--line); }
.divergence .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.divergence .path { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 600; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; margin: 8px 0; }
.side { border-radius: 6px; padding: 6px 10px; min-width: 0; }
.side.legacy { background: #f1f3f4; border-left: 4px solid var(--legacy); }
.side.candidate { background: #eaf2fb; border-left: 4px solid var(--blue); }
.side .label { font-size: 11px; text-transform: uppercase; letter-spacing: .4px;
  color: var(--grey); }
pre { margin: 2px 0 0; white-space: pre-wrap; word-break: break-word; font-size: 13px;
  font-family: ui-monospace, Menlo, Consolas, monospace; max-height: 260px; overflow: auto; }
.repro { display: flex; gap: 8px; align-items: flex-start; background: #212b32; color: #e8edee;
  border-radius: 6px; padding: 6px 8px; }
.repro code { flex: 1; font-size: 12.5px; white-space: pre-wrap; word-break: break-all; }
button.copy { border: 0; border-radius: 4px; background: #fff; color: var(--dark); font-size: 12px;
  padding: 3px 10px; cursor: pointer; }
button.copy.done { background: var(--green); color: #fff; }
.changes { display: grid; grid-template-columns: repeat(3, 1fr); gap: 14px; }
.changes ul { margin: 6px 0 0; padding-left: 18px; font-size: 13.5px; }
.changes .card.new { border-top: 4px solid var(--red); }
.changes .card.fixed { border-top: 4px solid var(--green); }
.changes .card.still { border-top: 4px solid var(--amber); }
svg.chart { display: block; }
svg.chart .grid { stroke: #e8edee; } svg.chart .axis { stroke: #aeb7bd; }
svg.chart .tick { font-size: 11px; fill: var(--grey); }
svg.chart .legend { font-size: 12px; fill: var(--dark); }
svg.bar { vertical-align: middle; margin-right: 8px; }
.key span { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
  vertical-align: -1px; margin: 0 4px 0 12px; }
footer { color: var(--grey); font-size: 12px; margin-top: 8px; }
code.inline { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
"""

SCRIPT = """
document.documentElement.setAttribute('data-script', 'ready');
document.addEventListener('click', function (event) {
  var button = event.target;
  if (!button.classList || !button.classList.contains('copy')) return;
  var text = button.parentNode.querySelector('code').textContent;
  function done() { button.textContent = 'Copied'; button.classList.add('done');
    setTimeout(function () { button.textContent = 'Copy'; button.classList.remove('done'); },
      1500); }
  function fallback() { var area = document.createElement('textarea'); area.value = text;
    document.body.appendChild(area); area.select();
    try { document.execCommand('copy'); done(); } finally { area.remove(); } }
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else { fallback(); }
});
"""
