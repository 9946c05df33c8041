/**
 * The printable certificate (issue 16): one self-contained HTML file (no script, no external
 * resource, its style inline) saying what the certificate proves and preserves, with the
 * certificate JSON itself inside, so the printed or mailed page is the whole record.
 * Every value is escaped: a certificate is someone else's document.
 */
import type { CertificateView } from './certificate-view';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1d21;max-width:52rem;margin:2rem auto;padding:0 1.25rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.8rem 0 .3rem;border-bottom:1px solid #ccd;padding-bottom:.2rem}
.kicker{text-transform:uppercase;letter-spacing:.08em;font-size:.8rem;color:#4a5360}
.headline{font-size:1.05rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #e3e6ea}
th{width:13rem;font-weight:600;color:#333a44}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all;white-space:pre-wrap}
pre{background:#f4f5f7;padding:.6rem;border-radius:4px}details{margin-top:1.5rem}
@media print{body{margin:0;max-width:none}details{display:none}}
`;

export function certificateHtml(view: CertificateView, certificateJson: unknown): string {
  const rows = (lines: CertificateView['sections'][number]['lines']): string =>
    lines.map((l) => `<tr><th scope="row">${escapeHtml(l.label)}</th><td>${l.code === true ? `<code>${escapeHtml(l.value)}</code>` : escapeHtml(l.value)}</td></tr>`).join('\n');
  const sections = view.sections
    .map((s) => `<section>\n<h2>${escapeHtml(s.heading)}</h2>\n<p>${escapeHtml(s.summary)}</p>\n<table>\n${rows(s.lines)}\n</table>\n</section>`)
    .join('\n');
  const [intro, command, after] = view.howToCheck;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Certificate: ${escapeHtml(view.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="kicker">Ativo certificate · ${escapeHtml(view.kind)}</p>
<h1>${escapeHtml(view.title)}</h1>
<p class="headline">${escapeHtml(view.headline)}</p>
${sections}
<section>
<h2>How to check it yourself</h2>
<p>${escapeHtml(intro ?? '')}</p>
<pre>${escapeHtml(command ?? '')}</pre>
<p>${escapeHtml(after ?? '')}</p>
</section>
<details>
<summary>The certificate file (ativo-certificate.json)</summary>
<pre>${escapeHtml(JSON.stringify(certificateJson, null, 2))}</pre>
</details>
</main>
</body>
</html>
`;
}
