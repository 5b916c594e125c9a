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


# Frappe v15 runs on Python 3.10 too: names the standard library gained in 3.11+ must not be used.
NEWER_THAN_3_10 = {
	"datetime": {"UTC"},
	"enum": {"StrEnum", "ReprEnum", "verify", "EnumCheck", "global_enum"},
	"typing": {"Self", "LiteralString", "Never", "assert_never", "reveal_type", "Required", "NotRequired"},
}
NEW_MODULES = {"tomllib", "wsgiref.types"}
APP_FILES = sorted(p for p in APP.rglob("*.py") if "node_modules" not in p.parts)


def test_there_are_app_files_to_check():
	assert len(APP_FILES) > 40


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(APP)))
def test_the_app_runs_on_python_3_10(path):
	tree = ast.parse(path.read_text(), feature_version=(3, 10))  # 3.11+ syntax fails to parse
	found = []
	for node in ast.walk(tree):
		if isinstance(node, ast.ImportFrom) and node.module in NEWER_THAN_3_10:
			found += [f"{node.module}.{a.name}" for a in node.names if a.name in NEWER_THAN_3_10[node.module]]
		elif isinstance(node, ast.Import):
			found += [a.name for a in node.names if a.name in NEW_MODULES]
		elif isinstance(node, ast.ImportFrom) and node.module in NEW_MODULES:
			found.append(node.module)
		elif (
			isinstance(node, ast.Attribute)
			and isinstance(node.value, ast.Name)
			and node.attr in NEWER_THAN_3_10.get(node.value.id, ())
		):
			found.append(f"{node.value.id}.{node.attr}")
	assert found == [], f"Python 3.11+ only: {found}"
