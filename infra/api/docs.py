"""A self-contained API reference page: the OpenAPI document rendered without any CDN.

Litestar's bundled pages (Swagger UI, ReDoc, Scalar…) load their JavaScript from a CDN, which
fails offline and leaks every visit to a third party. This page embeds the schema and a small
renderer in one HTML answer: operations grouped by tag, their parameters, request bodies and
answers, with ``$ref`` schemas expanded on demand.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import MediaType, Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__ — API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafaf7}
header{background:#2f5d3a;color:#fff;padding:1rem 1.5rem}
header a{color:#fff}
main{max-width:70rem;margin:auto;padding:1rem}
h2{border-bottom:2px solid #2f5d3a;margin-top:2rem}
details{background:#fff;border:1px solid #ccc;border-radius:6px;margin:.4rem 0;padding:.3rem .8rem}
summary{cursor:pointer;font-weight:600}
.m{display:inline-block;min-width:4.5rem;font-family:monospace;color:#fff;border-radius:4px;
text-align:center;margin-right:.5rem}
.GET{background:#1d5fa8}.POST{background:#2f7d32}.DELETE{background:#a32020}
code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f3f3ee;padding:.6rem;overflow:auto;border-radius:4px}
table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}
</style></head>
<body><header><h1>__TITLE__ <small>__VERSION__</small></h1>
<p>OpenAPI __OPENAPI__ — <a href="openapi.json">openapi.json</a>. Authenticate with
<code>Authorization: Bearer coc_…</code>; send a command's id as <code>Idempotency-Key</code>.</p>
</header><main id="root"><noscript>This page needs JavaScript; the raw schema is at
openapi.json.</noscript></main>
<script type="application/json" id="spec">__SPEC__</script>
<script>
(function () {
  var spec = JSON.parse(document.getElementById("spec").textContent);
  var root = document.getElementById("root");
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function resolve(s, depth) {
    if (!s || depth > 6) return s;
    if (s.$ref) {
      var name = s.$ref.split("/").pop();
      return resolve((spec.components.schemas || {})[name], depth + 1);
    }
    var out = {};
    for (var k in s) {
      var v = s[k];
      if (Array.isArray(v)) {
        out[k] = v.map(function (x) {
          return typeof x === "object" ? resolve(x, depth + 1) : x;
        });
      } else if (v && typeof v === "object") {
        out[k] = resolve(v, depth + 1);
      } else {
        out[k] = v;
      }
    }
    return out;
  }
  function schemaBlock(s) {
    var pre = el("pre");
    pre.textContent = JSON.stringify(resolve(s, 0), null, 2);
    return pre;
  }
  function row(cells, tag) {
    var r = el("tr");
    cells.forEach(function (x) { r.appendChild(el(tag, x)); });
    return r;
  }
  var groups = {};
  Object.keys(spec.paths).sort().forEach(function (path) {
    var item = spec.paths[path];
    ["get", "post", "delete", "put", "patch"].forEach(function (method) {
      var op = item[method];
      if (!op) return;
      var tag = (op.tags && op.tags[0]) || "other";
      (groups[tag] = groups[tag] || []).push([method, path, op]);
    });
  });
  Object.keys(groups).sort().forEach(function (tag) {
    root.appendChild(el("h2", tag));
    groups[tag].forEach(function (entry) {
      var method = entry[0].toUpperCase(), path = entry[1], op = entry[2];
      var d = el("details"), s = el("summary");
      s.appendChild(el("span", method, "m " + method));
      s.appendChild(el("code", path));
      s.appendChild(document.createTextNode(" — " + (op.summary || "")));
      d.appendChild(s);
      if (op.description) d.appendChild(el("p", op.description));
      if (op.parameters && op.parameters.length) {
        var t = el("table");
        t.appendChild(row(["name", "in", "required", "description"], "th"));
        op.parameters.forEach(function (p) {
          t.appendChild(row([p.name, p.in, p.required ? "yes" : "no", p.description || ""],
                            "td"));
        });
        d.appendChild(el("h4", "Parameters"));
        d.appendChild(t);
      }
      if (op.requestBody) {
        var content = op.requestBody.content || {};
        var type = Object.keys(content)[0];
        d.appendChild(el("h4", "Request body (" + type + ")"));
        d.appendChild(schemaBlock(content[type].schema));
      }
      var answers = op.responses || {};
      Object.keys(answers).sort().forEach(function (code) {
        var answer = answers[code];
        d.appendChild(el("h4", code + " — " + (answer.description || "")));
        var body = answer.content || {};
        var kind = Object.keys(body)[0];
        if (kind && body[kind].schema) d.appendChild(schemaBlock(body[kind].schema));
      });
      root.appendChild(d);
    });
  });
})();
</script></body></html>
"""


class OfflineDocsPlugin(OpenAPIRenderPlugin):
    """Serves the reference page at the schema path's root and ``/docs``."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/docs"], media_type=MediaType.HTML)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The page, with the schema embedded (``</`` escaped so it cannot close the tag)."""
        del request
        info = openapi_schema.get("info", {})
        spec = json.dumps(openapi_schema).replace("</", "<\\/")
        page = (_PAGE.replace("__TITLE__", _escape(str(info.get("title", "API"))))
                .replace("__VERSION__", _escape(str(info.get("version", ""))))
                .replace("__OPENAPI__", _escape(str(openapi_schema.get("openapi", ""))))
                .replace("__SPEC__", spec))
        return page.encode()


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
