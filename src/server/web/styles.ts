/**
 * The dashboard's one stylesheet, served at {@link STYLESHEET_PATH} so the Content-Security-Policy
 * can forbid inline styles. Colours meet WCAG AA contrast on their backgrounds; state is never
 * told by colour alone (badges carry words, charts have tables).
 */
export const STYLESHEET_PATH = '/assets/dashboard.css';

export const STYLESHEET = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg-soft: #f6f8fa;
  --link: #0b57d0; --allow: #1a7f37; --review: #9a6700; --deny: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible {
  outline: 3px solid var(--link); outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem 1rem; }
.skip:focus { left: 1rem; }
header.top { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: center; padding: .75rem 1.5rem;
  border-bottom: 1px solid var(--line); background: var(--bg-soft); }
header.top .brand { font-weight: 700; font-size: 1.1rem; color: var(--fg); text-decoration: none; }
header.top nav ul { display: flex; gap: 1.25rem; list-style: none; margin: 0; padding: 0; }
header.top nav a { text-decoration: none; padding: .25rem 0; }
header.top nav a[aria-current="page"] { font-weight: 700; color: var(--fg); border-bottom: 3px solid var(--link); }
header.top .who { margin-left: auto; display: flex; gap: .75rem; align-items: center; color: var(--muted); }
main { max-width: 78rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .25rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
tbody th { background: none; }
td.data { overflow-wrap: anywhere; min-width: 16rem; }
td time { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: var(--bg-soft); border: 1px solid var(--line); padding: .75rem; overflow-x: auto;
  white-space: pre-wrap; word-break: break-word; margin: 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9rem; }
ol.statements { padding-left: 2rem; } ol.statements li { margin-bottom: .5rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.5rem; margin: 0 0 1rem; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: .85rem; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.badge.allow, .badge.approved, .badge.executed, .badge.intact { color: #0a4d1f; background: #dafbe1; }
.badge.review, .badge.pending { color: #4d2d00; background: #fff4ce; }
.badge.deny, .badge.denied, .badge.tampered { color: #82071e; background: #ffebe9; }
.badge.label { margin-right: .25rem; }
.badge.expired, .badge.label { color: #24292f; background: #eaeef2; }
.notice { padding: .75rem 1rem; border-left: 4px solid var(--link); background: #ddf4ff; margin: 0 0 1rem; }
.notice.error { border-color: var(--deny); background: #ffebe9; }
.notice.ok { border-color: var(--allow); background: #dafbe1; }
form.inline { display: inline; }
form.stack { display: grid; gap: .5rem; max-width: 40rem; }
label { font-weight: 600; }
input[type=password], input[type=text], textarea, select { font: inherit; padding: .4rem .5rem; border: 1px solid #6e7781;
  border-radius: 4px; width: 100%; }
select { width: auto; }
textarea { min-height: 5rem; }
button { font: inherit; padding: .4rem 1rem; border-radius: 4px; border: 1px solid #6e7781; background: #fff; cursor: pointer; }
button.primary { background: #1f6feb; color: #fff; border-color: #1f6feb; }
button.approve { background: var(--allow); color: #fff; border-color: var(--allow); }
button.deny { background: var(--deny); color: #fff; border-color: var(--deny); }
button.link { border: none; background: none; color: var(--link); text-decoration: underline; padding: 0; }
.actions { display: flex; gap: .75rem; }
.filters { display: flex; gap: .75rem; align-items: end; margin-bottom: 1rem; flex-wrap: wrap; }
.resource { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin-bottom: 1rem; }
.resource h3 { margin-top: 0; }
.bar { display: block; }
.bar rect.track { fill: #eaeef2; } .bar rect.fill { fill: #cf222e; }
.chart rect.allow, .legend .allow { fill: var(--allow); background: var(--allow); }
.chart rect.review, .legend .review { fill: #bf8700; background: #bf8700; }
.chart rect.deny, .legend .deny { fill: var(--deny); background: var(--deny); }
.chart text { font-size: 11px; fill: var(--muted); }
.legend { display: flex; gap: 1rem; list-style: none; padding: 0; margin: .25rem 0; }
.legend span { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
ul.names { columns: 14rem; margin: .25rem 0; padding-left: 1.25rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; }
.card .big { font-size: 1.6rem; font-weight: 700; }
`;
