"""Style is enforced, not hoped for: ruff's lint and format and prettier's format find nothing (the
versions pinned in scripts/test and lint/package.json, as .pre-commit-config.yaml runs them). A tool
that is missing fails the test with how to get it; it never passes unseen."""

import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
PRETTIER = ROOT / "lint" / "node_modules" / ".bin" / "prettier"
PRETTIER_FILES = ["frappoint/**/*.{js,css}", "e2e/*.mjs"]


def run(command: list[str]) -> subprocess.CompletedProcess:
	return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


def ruff() -> str:
	found = shutil.which("ruff")
	assert found, "ruff is not installed: pip install 'ruff==0.17.6' (scripts/test does)"
	return found


def test_ruff_finds_nothing_to_lint():
	checked = run([ruff(), "check", "--no-cache", "."])
	assert checked.returncode == 0, checked.stdout + checked.stderr


def test_ruff_finds_nothing_to_format():
	checked = run([ruff(), "format", "--check", "--no-cache", "."])
	assert checked.returncode == 0, checked.stdout + checked.stderr


def test_prettier_finds_nothing_to_format():
	assert PRETTIER.exists(), "prettier is not installed: (cd lint && npm ci) (scripts/test does)"
	checked = run([str(PRETTIER), "--check", *PRETTIER_FILES])
	assert checked.returncode == 0, checked.stdout + checked.stderr
	assert "All matched files use Prettier code style" in checked.stdout


def test_the_reformat_is_ignored_by_blame():
	revs = [
		line for line in (ROOT / ".git-blame-ignore-revs").read_text().splitlines() if line and line[0] != "#"
	]
	assert revs and all(len(rev) == 40 for rev in revs)
