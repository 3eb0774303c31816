"""The report in a real browser: headless Chromium (Debian's ``chromium``) with no network.

A probe script is added to a copy of the report; after the page loads it measures every chart
(its SVG's laid-out size, data marks with a non-empty box, and — by drawing the SVG onto a canvas —
how many pixels are painted in colour), lists every resource the page fetched, collects
script errors and checks that a run's detail panel is shown when its anchor is the target.
``--dump-dom`` hands the probe's JSON back. A screenshot is compared with one of a blank page.

Under ``CI=true`` a missing chromium fails these tests (``.ci/install-chromium.sh`` installs
it); elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

CHARTS = ("success_rate", "duration", "baseline", "heatmap", "forecast", "failure_patterns",
          "cost")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio",
         # No network at all: any request would fail, and the probe lists every request.
         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         "--host-resolver-rules=MAP * ~NOTFOUND")

ERRORS_HOOK = """<script>window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
</script>"""

PROBE = r"""<pre id="probe"></pre><script>
function paint(svg) {
  return new Promise(function (done) {
    var w = Math.ceil(svg.width.baseVal.value), h = Math.ceil(svg.height.baseVal.value);
    var img = new Image();
    img.onload = function () {
      var c = document.createElement("canvas"); c.width = w; c.height = h;
      var g = c.getContext("2d"); g.drawImage(img, 0, 0);
      var d = g.getImageData(0, 0, w, h).data, ink = 0, colour = 0;
      for (var i = 0; i < d.length; i += 4) {
        var hi = Math.max(d[i], d[i + 1], d[i + 2]), lo = Math.min(d[i], d[i + 1], d[i + 2]);
        if (d[i + 3] > 0 && lo < 235) { ink += 1; }
        if (d[i + 3] > 0 && hi - lo > 40) { colour += 1; }
      }
      done({ink: ink, colour: colour, pixels: w * h});
    };
    img.onerror = function () { done({ink: -1, colour: -1, pixels: w * h}); };
    img.src = "data:image/svg+xml;charset=utf-8," +
              encodeURIComponent(new XMLSerializer().serializeToString(svg));
  });
}
function box(e) { var b = e.getBoundingClientRect();
  return {l: b.left, r: b.right, t: b.top, b: b.bottom}; }
function shown(e) { return e.textContent.trim() !== "" && parseFloat(e.getAttribute("opacity") || "1") > 0; }
// Text drawn past the chart's own box is cut off on screen: say which, and by how much.
function clipped(svg) {
  var s = box(svg), out = [];
  svg.querySelectorAll("text").forEach(function (t) {
    if (!shown(t)) { return; }
    var b = box(t), over = Math.max(s.l - b.l, b.r - s.r, s.t - b.t, b.b - s.b);
    if (over > 1) { out.push(t.textContent + " (" + Math.round(over) + "px)"); }
  });
  return out;
}
// Labels of one axis drawn over each other ("Nov 29December").
function overlapping(svg) {
  var out = [];
  svg.querySelectorAll(".role-axis-label").forEach(function (g) {
    var labels = Array.prototype.filter.call(g.querySelectorAll("text"), shown);
    for (var i = 0; i < labels.length; i++) {
      for (var j = i + 1; j < labels.length; j++) {
        var a = box(labels[i]), b = box(labels[j]);
        if (a.l < b.r - 0.5 && b.l < a.r - 0.5 && a.t < b.b - 0.5 && b.t < a.b - 0.5) {
          out.push(labels[i].textContent + " | " + labels[j].textContent);
        }
      }
    }
  });
  return out;
}
window.addEventListener("load", async function () {
  var out = {ready: document.body.getAttribute("data-ready"), errors: window.__errors,
             resources: performance.getEntriesByType("resource").map(function (e) {
               return e.name; }), charts: {}};
  var figs = document.querySelectorAll("figure.chart");
  for (var i = 0; i < figs.length; i++) {
    var svg = figs[i].querySelector("svg"), r = svg ? svg.getBoundingClientRect() : null;
    // Vega puts each data mark in a group of class role-mark (axes and legends are apart).
    var marks = svg ? Array.prototype.filter.call(svg.querySelectorAll(".role-mark > *"),
      function (e) { var b = e.getBBox(); return b.width > 0 || b.height > 0; }).length : 0;
    out.charts[figs[i].getAttribute("data-chart")] = {
      width: r ? r.width : 0, height: r ? r.height : 0, marks: marks,
      clipped: svg ? clipped(svg) : [], overlapping: svg ? overlapping(svg) : [],
      paint: svg ? await paint(svg) : null};
  }
  var target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1)))
                             : null;
  out.detail = target ? {display: getComputedStyle(target).display,
                         height: target.getBoundingClientRect().height,
                         text: target.innerText.slice(0, 5000)} : null;
  // The hostile run's <img onerror=...> must be text, never an element.
  out.images = document.querySelectorAll("img").length;
  out.rows = document.querySelectorAll("#run-table tbody tr").length;
  out.count = (document.getElementById("run-count") || {}).textContent;
  document.getElementById("probe").textContent = JSON.stringify(out);
});
</script>"""


def chromium() -> str:
    """The chromium binary; fails under CI=true when there is none, skips otherwise."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "chromium is not installed (run .ci/install-chromium.sh or apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def page(report_html: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report with the probe added, on disk."""
    d = tmp_path_factory.mktemp("browser")
    probed = report_html.replace("<head>", "<head>" + ERRORS_HOOK, 1)
    probed = probed.replace("</body>", PROBE + "</body>", 1)
    path = d / "report.html"
    path.write_text(probed, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def probe(page: Path, report_html: str, tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, Any]:
    """The probe's findings, with a failed run's detail anchor as the URL fragment."""
    binary = chromium()
    failed = re.search(r'<tr data-status="failed"[^>]*><td><a class="run" href="#([^"]+)"',
                       report_html)
    assert failed, "the demo report lists no failed run"
    url = page.as_uri() + "#" + failed.group(1)
    done = run_chromium(binary, tmp_path_factory.mktemp("profile"),
                        "--virtual-time-budget=10000", "--window-size=1400,1000",
                        "--dump-dom", url)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found and found.group(1), f"the probe did not report: {done.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    result["anchor"] = failed.group(1)
    return result


def test_every_chart_is_laid_out_and_painted(probe: dict[str, Any]) -> None:
    assert set(probe["charts"]) == set(CHARTS)
    for name, chart in probe["charts"].items():
        assert chart["width"] > 200 and chart["height"] > 100, (name, chart)
        assert chart["marks"] >= 3, (name, chart)
        paint = chart["paint"]
        # Axes and labels alone are grey; coloured pixels mean the marks themselves drew.
        assert paint["ink"] > 0.01 * paint["pixels"], (name, paint)
        assert paint["colour"] > 500, (name, paint)


def test_no_chart_text_is_cut_off_or_drawn_over_other_text(probe: dict[str, Any]) -> None:
    # In the browser's own font: labels past the left edge, a legend cut at the right edge
    # ("dependenc") and time labels run together ("Nov 29December") all show up here.
    for name, chart in probe["charts"].items():
        assert chart["clipped"] == [], (name, chart["clipped"])
        assert chart["overlapping"] == [], (name, chart["overlapping"])


def test_no_request_and_no_script_error(probe: dict[str, Any]) -> None:
    assert probe["resources"] == []
    assert probe["errors"] == []
    assert probe["images"] == 0
    assert probe["ready"] == "1"  # the report's own script ran to the end
    assert probe["count"].endswith(f"of {probe['rows']} runs")


def test_a_run_link_opens_its_detail_panel(probe: dict[str, Any]) -> None:
    detail = probe["detail"]
    assert detail and detail["display"] == "block" and detail["height"] > 200
    job_id = probe["anchor"].removeprefix("run-")
    assert job_id in detail["text"]
    assert "Last log lines" in detail["text"]


def test_screenshot_is_not_blank(page: Path, tmp_path: Path) -> None:
    binary = chromium()
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    shots = {}
    for name, url in (("report", page.as_uri()), ("blank", blank.as_uri())):
        png = tmp_path / f"{name}.png"
        done = run_chromium(binary, tmp_path / f"profile-{name}", "--window-size=1400,2000",
                            "--virtual-time-budget=5000", f"--screenshot={png}", url)
        assert png.exists(), done.stderr[-2000:]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        shots[name] = png.stat().st_size
    # A blank page compresses to almost nothing; charts, tables and text do not.
    assert shots["report"] > 20 * shots["blank"], shots
