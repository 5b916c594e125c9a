"""Static checks on the source tree: architecture rules that must not erode."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP = ROOT / "frappoint"


def imports_of(path):
	tree = ast.parse(path.read_text())
	for node in ast.walk(tree):
		if isinstance(node, ast.Import):
			yield from (alias.name for alias in node.names)
		elif isinstance(node, ast.ImportFrom) and node.module:
			yield node.module


SCHEDULING_FILES = sorted((APP / "scheduling").glob("*.py"))


def test_the_core_has_files_to_check():
	assert len(SCHEDULING_FILES) >= 8


@pytest.mark.parametrize("path", SCHEDULING_FILES, ids=lambda p: p.name)
def test_the_scheduling_core_never_imports_frappe(path):
	offending = [
		name for name in imports_of(path) if name == "frappe" or name.startswith(("frappe.", "erpnext"))
	]
	assert offending == []


def test_the_core_never_reads_the_clock():
	for path in SCHEDULING_FILES:
		source = path.read_text()
		for call in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time("):
			assert call not in source, f"{path.name} reads the clock with {call}"
