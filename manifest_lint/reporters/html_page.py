"""The frame of ``--format html``: escaping, the style sheet, the few lines of script (rule
filter, error capture) and the page around the sections. Everything is inline: the page
loads nothing, and its Content-Security-Policy forbids loading anything (images are
``data:`` URIs) and runs only the page's own scripts, by hash."""

from __future__ import annotations

import base64
import hashlib
import html
import re

from manifest_lint import __version__
from manifest_lint.reporters import clean_text

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

CSS = """
:root{--fg:#1d2125;--muted:#5c6670;--line:#d8dee4;--bg:#fff;--soft:#f4f6f8;--err:#c62828;
--warn:#a86400;--ok:#2e7d32;--link:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:12px}
h1{font-size:1.4em;margin:.3em 0}h2{font-size:1.15em;margin:1.4em 0 .5em;
border-bottom:1px solid var(--line);padding-bottom:.2em}h3{font-size:1em;margin:1em 0 .4em;
word-break:break-all}
a{color:var(--link)}code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,
monospace}
pre{background:var(--soft);padding:8px;overflow-x:auto;white-space:pre-wrap;
word-break:break-word}
.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{flex:1 1 120px;border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.card b{display:block;font-size:1.6em}.card.e b{color:var(--err)}.card.w b{color:var(--warn)}
.card.ok b{color:var(--ok)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:4px 6px;border-bottom:1px solid var(--line)}
th{font-size:.85em;color:var(--muted)}td.n{text-align:right;white-space:nowrap}
.scroll{overflow-x:auto}
tr.rule{cursor:pointer}tr.rule:hover,tr.rule.on{background:#e8f0fb}
button{font:inherit;padding:2px 8px;border:1px solid var(--line);border-radius:4px;
background:var(--soft);cursor:pointer}
.sev-error{color:var(--err);font-weight:600}.sev-warning{color:var(--warn);font-weight:600}
.fix{color:#00838f}
.d td{border-bottom:1px solid var(--line)}.loc{white-space:nowrap;color:var(--muted)}
.msg{word-break:break-word}.src{display:block;background:var(--soft);margin-top:4px;
padding:2px 6px;white-space:pre-wrap;word-break:break-all}
.note{color:var(--muted);margin:.2em 0}.more td{color:var(--muted);font-style:italic}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.chart{border:1px solid var(--line);border-radius:6px;padding:8px}
.chart h3{margin:0 0 4px}.chart svg{width:100%;height:auto;display:block}
.pics{display:flex;flex-wrap:wrap;gap:10px;margin-top:6px}
figure{margin:0;max-width:180px}figure img{display:block;max-width:100%;height:auto;
border:1px solid var(--line);background:var(--soft)}
img.px{image-rendering:pixelated}
figcaption{font-size:12px;color:var(--muted);word-break:break-all}
.nopic{width:160px;height:90px;display:flex;align-items:center;justify-content:center;
text-align:center;font-size:12px;color:var(--muted);border:1px dashed var(--line);padding:4px}
.legend{list-style:none;padding:0;margin:4px 0 0;font-size:12px}
.legend li{display:flex;align-items:center;gap:4px}
.sw{display:inline-block;width:12px;height:12px;border:1px solid #888;flex:none}
.stray{color:var(--err)}
article.rule{border-top:1px solid var(--line);padding-top:4px}
#js-errors{color:var(--err)}
footer{color:var(--muted);font-size:.85em;margin:2em 0 1em}
@media (max-width:640px){body{font-size:14px}main{padding:6px}
.d td{display:block;border:0;padding:2px 4px}.d{display:block;border-bottom:1px solid
var(--line);padding:4px 0}.file table thead{display:none}}
"""

# Runs first: any script error is written into the page (so a headless browser's
# --dump-dom shows it) as well as to the console.
ERROR_JS = ("window.addEventListener('error',function(e){var p=document.getElementById("
            "'js-errors');document.documentElement.setAttribute('data-js-errors','1');"
            "if(p){p.hidden=false;p.textContent+=(e.message||'error')+'\\n';}});")

# Click a rule to show only its problems; click again to show all. A link ending in
# ``#only=CODE`` opens the page filtered.
FILTER_JS = """(function(){
var style=document.getElementById('filter-style'),state=document.getElementById('filter-state'),
cur='';
function show(code){cur=(cur===code)?'':code.replace(/[^A-Za-z0-9_-]/g,'');
var q='[data-c="'+cur+'"]';
style.textContent=cur?'.d:not('+q+'),.more:not('+q+'),.fig-more:not('+q+'){display:none}'+
'section.file:not(:has(.d'+q+')),article.rule:not('+q+'){display:none}':'';
var rows=document.querySelectorAll('tr.rule');
for(var i=0;i<rows.length;i++){rows[i].classList.toggle('on',rows[i].dataset.c===cur);}
state.textContent=cur?'Showing '+cur+' only; click it again to show every problem.':'';}
var rows=document.querySelectorAll('tr.rule');
for(var i=0;i<rows.length;i++){rows[i].addEventListener('click',function(e){
if(e.target.tagName==='A'){return;}show(this.dataset.c);});}
var m=/^#only=([A-Za-z0-9_-]+)$/.exec(location.hash);if(m){show(m[1]);}
document.documentElement.setAttribute('data-ready','1');
})();"""


def esc(text: object) -> str:
    """``text`` as HTML text or a double-quoted attribute value (``&<>"'`` escaped; lone
    surrogates and control characters replaced by U+FFFD)."""
    return html.escape(_CONTROL.sub("\ufffd", clean_text(str(text))), quote=True)


def _hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def page(title: str, body: str) -> str:
    """A complete HTML document around ``body`` (already HTML)."""
    policy = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
              f"script-src {_hash(ERROR_JS)} {_hash(FILTER_JS)}; base-uri 'none'; "
              "form-action 'none'")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        f"<title>{esc(title)}</title>\n<script>{ERROR_JS}</script>\n"
        f"<style>{CSS}</style>\n<style id=\"filter-style\"></style>\n</head>\n<body>\n<main>\n"
        "<pre id=\"js-errors\" hidden></pre>\n"
        f"{body}"
        f"<footer>Made by manifest-lint {esc(__version__)}. This page loads nothing from the "
        "network.</footer>\n</main>\n"
        f"<script>{FILTER_JS}</script>\n</body>\n</html>\n"
    )
