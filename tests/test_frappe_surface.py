"""What Frappe and bench read of the app, checked without a site: hooks name real functions by literal
paths, each controller's generated type block lists its DocType's fields, the license the headers
point at exists, and the dependencies are declared once (pyproject.toml)."""

import ast
import json
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP = ROOT / "frappoint"
DOCTYPES = sorted(
	p.parent for p in (APP / "frappoint" / "doctype").glob("*/*.json") if p.stem == p.parent.name
)

# --- hooks.py: declarations whose dotted paths can be grepped for, each naming what exists ---------

DOTTED = re.compile(r"^frappoint(\.\w+)+$")


def module_file(dotted: str) -> pathlib.Path | None:
	path = ROOT.joinpath(*dotted.split("."))
	for candidate in (path.with_suffix(".py"), path / "__init__.py"):
		if candidate.is_file():
			return candidate
	return None


def top_level_names(path: pathlib.Path) -> set[str]:
	"""What `module.name` can reach: definitions, assignments and imports (a package's re-exports)."""
	names = set()
	for node in ast.parse(path.read_text()).body:
		if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
			names.add(node.name)
		elif isinstance(node, ast.Assign):
			names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
		elif isinstance(node, ast.ImportFrom):
			names |= {alias.asname or alias.name for alias in node.names}
	if path.name == "__init__.py":
		names |= {p.stem for p in path.parent.glob("*.py")} | {
			p.name for p in path.parent.iterdir() if p.is_dir()
		}
	return names


def resolves(dotted: str) -> bool:
	"""A module, or a name defined (or re-exported) at the top of one."""
	if module_file(dotted):
		return True
	module, _, name = dotted.rpartition(".")
	path = module_file(module)
	return bool(path) and name in top_level_names(path)


def hook_paths() -> list[str]:
	tree = ast.parse((APP / "hooks.py").read_text())
	return [
		node.value
		for node in ast.walk(tree)
		if isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED.match(node.value)
	]


def test_hooks_are_declared_with_literal_paths():
	"""A path built with an f-string or a comprehension cannot be found with grep."""
	tree = ast.parse((APP / "hooks.py").read_text())
	built = [
		ast.unparse(node)[:60]
		for node in ast.walk(tree)
		if isinstance(node, ast.JoinedStr | ast.DictComp | ast.ListComp | ast.SetComp | ast.BinOp)
	]
	assert built == []
	assert len(hook_paths()) > 30


@pytest.mark.parametrize("dotted", sorted(set(hook_paths())))
def test_every_hook_names_a_function_that_exists(dotted):
	assert resolves(dotted), f"hooks.py names {dotted}, which does not exist"


def test_the_paths_queued_jobs_name_keep_resolving():
	"""Booking Outbox rows on live sites name the accounting step by this path; scripts run it too."""
	for dotted in (
		"frappoint.integrations.erpnext.run_step",
		"frappoint.integrations.erpnext.on_appointment_change",
		"frappoint.integrations.erpnext.reconcile",
		"frappoint.integrations.erpnext.retry",
	):
		assert resolves(dotted), dotted
	queued = re.findall(r'outbox\.add\(\s*"([\w.]+)"', _sources_text())
	assert queued and all(resolves(path) for path in queued), queued


def _sources_text() -> str:
	return "\n".join(p.read_text() for p in APP.rglob("*.py") if "node_modules" not in p.parts)


def test_a_path_to_nothing_is_caught():
	assert not resolves("frappoint.integrations.erpnext.no_such_step")
	assert not resolves("frappoint.no_such_module.run")


# --- the generated type blocks say what the DocType's JSON says ----------------------------------

# Frappe v15's frappe/types/DF.py: the field types that get a line in the block (Select as Literal).
TYPED = {
	"Data", "Text", "Autocomplete", "Attach", "AttachImage", "Barcode", "Check", "Code", "Color",
	"Currency", "Date", "Datetime", "Duration", "DynamicLink", "Float", "HTMLEditor", "Int", "JSON",
	"Link", "LongText", "MarkdownEditor", "Password", "Percent", "Phone", "ReadOnly", "Rating",
	"Select", "SmallText", "TextEditor", "Time", "Table", "TableMultiSelect",
}  # fmt: skip
BLOCK = re.compile(r"# begin: auto-generated types\n(.*?)# end: auto-generated types", re.S)
LINE = re.compile(r"^\s+(\w+): DF\.(\w+)", re.M)


def expected_types(doctype_dir: pathlib.Path) -> dict[str, str]:
	meta = json.loads((doctype_dir / f"{doctype_dir.name}.json").read_text())
	types = {}
	for field in meta.get("fields", []):
		kind = field["fieldtype"].replace(" ", "")
		if kind in TYPED:
			types[field["fieldname"]] = "Literal" if kind == "Select" else kind
	if meta.get("istable"):
		types |= {"parent": "Data", "parentfield": "Data", "parenttype": "Data"}
	if meta.get("autoname") == "autoincrement":
		types["name"] = "Int"
	return types


def test_there_are_doctypes_to_check():
	assert len(DOCTYPES) >= 20


@pytest.mark.parametrize("doctype_dir", DOCTYPES, ids=lambda p: p.name)
def test_each_controller_type_block_lists_its_doctypes_fields(doctype_dir):
	"""Regenerate with Frappe's own exporter (frappe.types.exporter.TypeExporter) when this fails."""
	controller = (doctype_dir / f"{doctype_dir.name}.py").read_text()
	block = BLOCK.search(controller)
	assert block, f"{doctype_dir.name}.py has no auto-generated type block"
	listed = dict(LINE.findall(block.group(1)))
	expected = expected_types(doctype_dir)
	assert sorted(set(expected) - set(listed)) == [], "fields of the JSON missing from the type block"
	assert sorted(set(listed) - set(expected)) == [], "fields in the type block the JSON no longer has"
	assert {k: listed[k] for k in expected} == expected, "field types differ from the JSON"


def test_a_type_block_missing_a_field_is_caught(tmp_path):
	doctype_dir = tmp_path / "thing"
	doctype_dir.mkdir()
	fields = [{"fieldname": "title", "fieldtype": "Data"}, {"fieldname": "notes", "fieldtype": "Small Text"}]
	(doctype_dir / "thing.json").write_text(json.dumps({"fields": fields}))
	(doctype_dir / "thing.py").write_text(
		"class Thing(Document):\n\t# begin: auto-generated types\n\t\ttitle: DF.Data | None\n"
		"\t# end: auto-generated types\n"
	)
	with pytest.raises(AssertionError, match="missing from the type block"):
		test_each_controller_type_block_lists_its_doctypes_fields(doctype_dir)


# --- license, references, dependencies ------------------------------------------------------------


def test_the_license_the_headers_point_at_exists_and_is_declared():
	assert "MIT License" in (ROOT / "license.txt").read_text()
	pyproject = (ROOT / "pyproject.toml").read_text()
	assert re.search(r'^license = \{ ?file = "license.txt" ?\}', pyproject, re.M)
	assert re.search(r'^app_license = "mit"$', (APP / "hooks.py").read_text(), re.M)


def test_every_markdown_file_the_app_names_exists():
	named = set(re.findall(r"\b([\w/-]+\.md)\b", _sources_text() + (ROOT / "README.md").read_text()))
	missing = {name for name in named if not (ROOT / name).exists()}
	assert missing == set(), f"referenced but not in the repository: {missing}"


def pyproject_dependencies() -> list[str]:
	text = (ROOT / "pyproject.toml").read_text()
	block = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M).group(1)
	return re.findall(r'^\s*"([A-Za-z0-9_.-]+)', block, re.M)


def test_dependencies_are_declared_once_in_pyproject():
	"""Frappe v15 apps are built by flit from pyproject.toml; a second list (setup.py's
	install_requires, a requirements file) drifts from it unseen."""
	for name in ("setup.cfg", "requirements.txt", "dev-requirements.txt"):
		assert not (ROOT / name).exists(), f"{name} declares the package a second time"
	# setup.py stays for the layout Frappe apps have (STYLE.md), declaring nothing.
	shim = (ROOT / "setup.py").read_text()
	assert "setup()" in shim and not re.search(r"install_requires|version=|name=", shim)
	assert 'build-backend = "flit_core.buildapi"' in (ROOT / "pyproject.toml").read_text()


# Installed with Frappe itself (bench installs frappe and erpnext; these are Frappe's own dependencies).
FROM_THE_BENCH = {"frappe", "erpnext", "frappoint", "click", "cryptography", "pymysql", "werkzeug"}
IMPORT_NAME = {"python-dateutil": "dateutil"}


def test_every_library_the_app_imports_is_declared():
	declared = {IMPORT_NAME.get(name, name.replace("-", "_")) for name in pyproject_dependencies()}
	imported = set()
	for path in APP.rglob("*.py"):
		if "node_modules" in path.parts:
			continue
		for node in ast.walk(ast.parse(path.read_text())):
			if isinstance(node, ast.Import):
				imported |= {alias.name.split(".")[0] for alias in node.names}
			elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
				imported.add(node.module.split(".")[0])
	undeclared = imported - set(sys.stdlib_module_names) - FROM_THE_BENCH - declared
	assert undeclared == set(), f"imported but not in pyproject.toml's dependencies: {undeclared}"
	assert declared & imported == declared, f"declared but never imported: {declared - imported}"
