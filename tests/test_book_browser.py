"""The quick book, opened page by page in a real browser (headless Chromium driven by Selenium).

Reads the site that ``PC_FAST=1 python book/build.py`` built in ``book/_build/fast/html`` (it does
not build it: that takes minutes, and CI's ``.ci/run`` builds it first). Every page must

- load with no error in the browser console (level SEVERE: a failed script, a missing file, a
  JavaScript exception);
- show every image (``complete`` and ``naturalWidth > 0``);
- have its math typeset by MathJax: every ``.math`` element Sphinx wrote holds an
  ``mjx-container``, and no raw ``$$``, ``\\(``, ``\\[`` is left in the text outside code;
- link only to files of the site that exist, and to anchors that exist in them;
- and each tutorial page links its executed notebook (``_notebooks/NN_*.ipynb``), which exists and
  holds outputs.

When it is skipped, and why: only outside CI, and only when the built book, Selenium, Chromium or
ChromeDriver is absent (the reason says which and how to get it). In CI (``CI`` set) any of these
missing is a failure: CI installs them and builds the book before running the suite.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("BOOK_SITE", ROOT / "book" / "_build" / "fast" / "html"))   # BOOK_SITE: another build
TUTORIALS = sorted(p.stem for p in (ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
IN_CI = bool(os.environ.get("CI"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# the flags a root user in a closed network needs (no sandbox as root; nothing phones home)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1300,1000"]


def unavailable() -> str | None:
    """Why the test cannot run here, or None."""
    if not (SITE / "index.html").is_file():
        return (f"the quick book is not built ({SITE}/index.html is missing): run "
                "PC_FAST=1 .venv/bin/python book/build.py first")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e .[book])"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).is_file():
            return f"{path} is missing (apt-get install {package})"
    return None


def pages() -> list[Path]:
    return sorted(p for p in SITE.rglob("*.html")
                  if not p.relative_to(SITE).parts[0] in ("_static", "_sources", "_images"))


@pytest.fixture(scope="module")
def browser():
    reason = unavailable()
    if reason:
        if IN_CI:
            pytest.fail(f"in CI the browser test must run, but {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="book-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


WAIT_FOR_MATH = """
const done = arguments[arguments.length - 1];
if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
  MathJax.startup.promise.then(() => done('typeset'), (e) => done('error: ' + e));
} else { done(document.querySelector('.math') ? 'no MathJax' : 'no math'); }
"""

INSPECT = r"""
const body = document.body.cloneNode(true);
body.querySelectorAll('pre, code, script, style, mjx-container, .highlight').forEach(e => e.remove());
const text = body.textContent;
const maths = Array.from(document.querySelectorAll('.math'));
return {
  raw: ['$$', '\\(', '\\['].filter(s => text.includes(s)),
  math: maths.length,
  untypeset: maths.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
  mjx: document.querySelectorAll('mjx-container').length,
  broken_images: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)
                      .map(i => i.getAttribute('src')),
  images: document.images.length,
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
  title: document.title,
};
"""


def ids_in(page: Path, cache: dict) -> set:
    if page not in cache:
        html = page.read_text(encoding="utf-8", errors="replace")
        cache[page] = set(re.findall(r'\bid="([^"]+)"', html)) | set(re.findall(r'\bname="([^"]+)"', html))
    return cache[page]


def test_every_page_of_the_quick_book_in_chromium(browser):
    found = pages()
    assert len(found) > len(TUTORIALS), f"only {len(found)} pages under {SITE}"
    problems, anchors, math_pages, seen_notebooks = [], {}, {}, {}
    for page in found:
        name = page.relative_to(SITE).as_posix()
        browser.get_log("browser")                       # drop what an earlier page left
        browser.get(page.as_uri())
        if name == "index.html":                         # the redirect to README.html
            assert browser.current_url.endswith("README.html"), browser.current_url
        state = browser.execute_async_script(WAIT_FOR_MATH)
        info = browser.execute_script(INSPECT)
        for entry in browser.get_log("browser"):
            if entry["level"] == "SEVERE":
                problems.append(f"{name}: console error: {entry['message'][:300]}")
        if state.startswith("error") or state == "no MathJax":
            problems.append(f"{name}: MathJax: {state}")
        if info["raw"]:
            problems.append(f"{name}: raw math delimiters left in the text: {info['raw']}")
        if info["untypeset"]:
            problems.append(f"{name}: {len(info['untypeset'])} math elements not typeset, "
                            f"first: {info['untypeset'][0]!r}")
        if info["broken_images"]:
            problems.append(f"{name}: images not loaded: {info['broken_images']}")
        math_pages[name] = info["mjx"]
        shown = Path(unquote(urlsplit(browser.current_url).path))   # after a redirect, its target
        here = shown.parent
        for href in info["links"]:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https", "mailto") or href.startswith("javascript:"):
                continue
            target = shown if not parts.path else (here / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{name}: link {href!r} -> {target} does not exist")
                continue
            if parts.fragment and target.suffix == ".html" and \
                    unquote(parts.fragment) not in ids_in(target, anchors):
                problems.append(f"{name}: link {href!r}: no id {parts.fragment!r} in {target.name}")
            if target.suffix == ".ipynb":
                seen_notebooks.setdefault(name, []).append(target)
    for stem in TUTORIALS:
        name = f"tutorials/{stem}.html"
        if name not in math_pages:
            problems.append(f"{name}: the tutorial has no page")
            continue
        if math_pages[name] == 0:
            problems.append(f"{name}: no typeset equation on a tutorial page")
        notebooks = [p for p in seen_notebooks.get(name, []) if p.name == f"{stem}.ipynb"]
        if not notebooks:
            problems.append(f"{name}: no link to its notebook {stem}.ipynb")
            continue
        nb = json.loads(notebooks[0].read_text(encoding="utf-8"))
        outputs = sum(len(c.get("outputs", [])) for c in nb["cells"] if c["cell_type"] == "code")
        if outputs == 0:
            problems.append(f"{name}: its notebook {notebooks[0].name} holds no outputs")
    assert not problems, f"{len(problems)} problems in {len(found)} pages:\n" + "\n".join(problems[:60])
