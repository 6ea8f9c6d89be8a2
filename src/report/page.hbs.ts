/**
 * The templates of report.html (rendered by `page.ts` with handlebars, strict): the page and its
 * partials. TypeScript constants, so the one-file bundle carries them and nothing is read from
 * disk at run time. Only `{{name}}` (escaped by our `esc`), `{{#if}}`, `{{#unless}}`, `{{#each}}`
 * and `{{> partial}}`: the logic is in the view (`report-view.ts`, `gantt.ts`), not here. Never
 * `{{{ }}}` (test/unit/report/page.test.ts checks). A tag alone on its line leaves no line.
 */

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d232a;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d5dbe1;padding-bottom:4px}
.sub{color:#5b6672;margin:0 0 16px}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.summary dt{font-weight:600;color:#3b4651}dl.summary dd{margin:0;white-space:pre-wrap;word-break:break-word}
.outcome-ok{color:#1e7a3f}.outcome-rescued{color:#7d3ba3}.outcome-failed,.outcome-interrupted,.outcome-unfinished{color:#b3261e}
code,pre,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px}
pre{background:#f5f7f9;border:1px solid #e1e6eb;padding:8px;overflow:auto;max-height:360px;white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;margin:6px 0 14px}caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}th,td{border:1px solid #d5dbe1;padding:3px 8px;text-align:left}
th{background:#eef2f5;font-weight:600}td.chg{background:#fff1c2;font-weight:600}
table.status caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}table.status.failed caption{color:#b3261e}
.gantt{max-width:100%;height:auto;display:block}
.gantt .tick{stroke:#e3e7eb}.gantt .restart{stroke:#7d3ba3;stroke-dasharray:4 3}.gantt .axis{font-size:10px;fill:#5b6672;text-anchor:middle}
.gantt .label{font-size:11px;fill:#1d232a;text-anchor:end}.gantt .stripe{fill:#f7f9fb}.gantt .band{fill:#dfe6ee}
.gantt .down{fill:#d0453c;fill-opacity:.10;stroke:#d0453c;stroke-opacity:.5}
.legend{color:#5b6672;font-size:12px}.key{margin-right:10px;white-space:nowrap}.key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.downkey{background:#d0453c;opacity:.25}
.failure{margin-bottom:14px}.failure h3{font-size:14px;margin:0 0 4px}
`;

/** The page: a `ReportView` (report-view.ts). */
export const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<style>${CSS}</style>
</head>
<body>
<h1>{{title}}</h1>
<p class="sub">{{playbook}}{{#if startedAt}} &middot; started {{startedAt}}{{/if}}{{#if check}} &middot; check mode{{/if}} &middot; hosts: {{hosts}}</p>
<section id="summary">
<h2>{{summary.heading}}</h2>
<dl class="summary">
{{#each summary.pairs}}
{{> pair}}
{{/each}}
</dl>
{{#if summary.recap}}
<table class="recap"><caption>Play recap</caption>
<tr><th>host</th>{{#each summary.recap.columns}}<th>{{this}}</th>{{/each}}</tr>
{{#each summary.recap.rows}}
<tr><td>{{host}}</td>{{#each cells}}<td>{{this}}</td>{{/each}}</tr>
{{/each}}
</table>
{{/if}}
</section>
<section id="timeline-section">
<h2>Timeline</h2>
{{#if timeline}}
{{> gantt timeline}}
{{else}}
<p>No task ran.</p>
{{/if}}
</section>
{{#if tables}}
<section id="status-tables">
<h2>etcd status tables</h2>
{{#each tables}}
{{> statusTable}}
{{/each}}
</section>
{{/if}}
<section id="failures">
<h2>Failures</h2>
{{#each failures}}
<div class="failure"><h3>{{title}}</h3><p>{{msg}}</p>{{#if output}}<pre>{{output}}</pre>{{/if}}</div>
{{else}}
<p>None.</p>
{{/each}}
</section>
{{#if warnings}}
<section id="warnings">
<h2>Warnings</h2>
<ul>{{#each warnings}}<li>{{this}}</li>{{/each}}</ul>
</section>
{{/if}}
<section id="plan">
<h2>Plan that was run</h2>
{{#if plan.meta}}
<dl class="summary">
{{#each plan.meta}}
{{> pair}}
{{/each}}
</dl>
{{/if}}
<table class="tasks"><caption>Tasks as they ran</caption>
<tr><th>play</th><th>task</th><th>module</th><th>hosts</th><th>start</th><th>took</th></tr>
{{#each plan.tasks}}
<tr><td>{{play}}</td><td>{{task}}</td><td class="mono">{{module}}</td><td>{{hosts}}</td><td>{{start}}</td><td>{{took}}</td></tr>
{{/each}}
</table>
{{#if plan.text}}
<h3>etcdplay plan</h3>
<pre>{{plan.text}}</pre>
{{else}}
<p class="legend">The run dir holds no plan.txt (runs recorded before it was written): the tasks above are what ran.</p>
{{/if}}
</section>
{{#if badLines}}
<p class="legend">{{badLines}} line(s) of events.jsonl could not be read and were left out.</p>
{{/if}}
</body>
</html>
`;

/** A label and its value in a `<dl>`: a `Pair`. */
const PAIR = `<dt>{{key}}</dt><dd{{#if cls}} class="{{cls}}"{{/if}}>{{value}}</dd>
`;

/** One etcd status table: a `StatusTableView`. */
const STATUS_TABLE = `<table class="{{cls}}"><caption>{{caption}}</caption>
<tr>{{#each columns}}<th>{{this}}</th>{{/each}}</tr>
{{#each rows}}
<tr>{{#each cells}}<td{{#if changed}} class="chg"{{/if}}>{{text}}</td>{{/each}}</tr>
{{/each}}
</table>
{{#if gone}}
<p>{{gone}}</p>
{{/if}}
`;

/** The timeline as an inline SVG Gantt chart and its legend: a `GanttView` (gantt.ts). */
const GANTT = `<svg xmlns="http://www.w3.org/2000/svg" id="timeline" class="gantt" viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}" role="img" aria-label="timeline of every task on every host">
{{#each ticks}}
<line x1="{{x}}" y1="{{y1}}" x2="{{x}}" y2="{{y2}}" class="tick"/>
<text x="{{x}}" y="{{labelY}}" class="axis">{{label}}</text>
{{/each}}
{{#if down}}
<rect x="{{down.x}}" y="{{down.y}}" width="{{down.width}}" height="{{down.height}}" class="down"><title>{{down.title}}</title></rect>
{{/if}}
{{#each restarts}}
<line x1="{{x}}" y1="{{y1}}" x2="{{x}}" y2="{{y2}}" class="restart"><title>resumed</title></line>
{{/each}}
{{#each rows}}
<g class="task" data-task="{{taskId}}">
{{#if stripe}}
<rect x="{{stripe.x}}" y="{{stripe.y}}" width="{{stripe.width}}" height="{{stripe.height}}" class="stripe"/>
{{/if}}
<text x="{{label.x}}" y="{{label.y}}" class="label">{{label.text}}<title>{{label.title}}</title></text>
<rect x="{{band.x}}" y="{{band.y}}" width="{{band.width}}" height="{{band.height}}" class="band"/>
{{#each bars}}
<rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" fill="{{fill}}" class="bar"><title>{{title}}</title></rect>
{{/each}}
</g>
{{/each}}
</svg>
<p class="legend">{{#each legend.keys}}<span class="key"><i style="background:{{colour}}"></i>{{status}}</span> {{/each}}<span class="key"><i class="downkey"></i>etcd down</span><br>lanes in each row, top to bottom: {{legend.hosts}}{{#if legend.estimated}}<br><b>times estimated</b>: this run was recorded without event times (tasks placed one after the other, each host for its duration){{/if}}</p>
`;

/** The partials, by the name the templates call them. */
export const PARTIALS: Readonly<Record<string, string>> = { pair: PAIR, statusTable: STATUS_TABLE, gantt: GANTT };
