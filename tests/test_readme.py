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
