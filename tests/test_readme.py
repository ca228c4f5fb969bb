"""The README's commands are the ones the project really runs."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text):
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    test_cmds = [line.strip() for block in _bash_blocks(readme) for line in block.splitlines()
                 if "pytest" in line and "pip install" in line]
    assert len(test_cmds) == 1, f"expected one set-up + pytest line in README.md, found {test_cmds}"
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_cmds[0] in [line.strip() for line in ci], (
        f".ci/run does not run the README's test command {test_cmds[0]!r}")


def test_readme_has_no_unfilled_placeholders_and_links_exist():
    readme = (ROOT / "README.md").read_text()
    assert "PLACEHOLDER" not in readme
    for target in re.findall(r"\]\(((?:pc_numpy|pc_torch|tests|tutorials|docs|benchmarks)/[^)#]+)\)", readme):
        assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"
    for target in re.findall(r'<img src="([^"]+)"', readme):
        assert (ROOT / target).exists(), f"README.md shows {target}, which does not exist"


def test_ci_builds_the_quick_book_with_the_readme_book_command_before_the_tests():
    """The README's book command, with PC_FAST=1, is in .ci/run before the test command, so that
    tests/test_book_browser.py always finds the quick book in CI."""
    readme = (ROOT / "README.md").read_text()
    book_cmds = [line.strip() for block in _bash_blocks(readme) for line in block.splitlines()
                 if "book/build.py" in line and "pip install" in line]
    assert len(book_cmds) == 1, f"expected one set-up + book/build.py line in README.md, found {book_cmds}"
    quick = book_cmds[0].replace(".venv/bin/python book/build.py", "PC_FAST=1 .venv/bin/python book/build.py")
    assert quick != book_cmds[0], f"the README's book command does not end in .venv/bin/python book/build.py"
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert quick in ci, f".ci/run does not build the quick book with {quick!r}"
    tests = [i for i, line in enumerate(ci) if "pytest" in line and "pip install" in line]
    assert tests and ci.index(quick) < tests[0], ".ci/run must build the book before running the tests"
