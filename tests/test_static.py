"""Static checks on the source tree: architecture rules that must not erode."""

import ast
import pathlib
import re

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


# --- layering: page/API -> booking service -> scheduling core, and no circles ----------------------


def module_name(path: pathlib.Path) -> str:
	parts = path.relative_to(ROOT).with_suffix("").parts
	return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def app_modules() -> dict[str, pathlib.Path]:
	return {
		module_name(p): p for p in APP.rglob("*.py") if "tests" not in p.parts and "patches" not in p.parts
	}


def import_graph() -> dict[str, set[str]]:
	"""Which app modules each app module imports, lazily inside functions included; `from a import b`
	counts as importing `a.b` when that is a module."""
	modules = app_modules()
	graph = {}
	for name, path in modules.items():
		edges = set()
		for node in ast.walk(ast.parse(path.read_text())):
			targets = []
			if isinstance(node, ast.Import):
				targets = [alias.name for alias in node.names]
			elif isinstance(node, ast.ImportFrom) and node.module:
				targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
			edges |= {t for t in targets if t in modules and t != name}
		graph[name] = edges
	return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
	"""Strongly connected components with more than one module (Tarjan)."""
	index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

	def visit(node):
		index[node] = low[node] = counter[0]
		counter[0] += 1
		stack.append(node)
		on_stack.add(node)
		for nxt in graph[node]:
			if nxt not in index:
				visit(nxt)
				low[node] = min(low[node], low[nxt])
			elif nxt in on_stack:
				low[node] = min(low[node], index[nxt])
		if low[node] == index[node]:
			component = []
			while True:
				member = stack.pop()
				on_stack.discard(member)
				component.append(member)
				if member == node:
					break
			if len(component) > 1:
				found.append(sorted(component))

	for node in sorted(graph):
		if node not in index:
			visit(node)
	return found


def test_the_import_walk_sees_the_layers():
	graph = import_graph()
	assert "frappoint.booking.actions" in graph["frappoint.api.booking"]
	assert "frappoint.booking.ledger" in graph["frappoint.booking.availability"]


def test_no_import_circle_in_the_app():
	assert cycles(import_graph()) == []


def test_a_cycle_is_found_when_there_is_one():
	assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_nothing_below_the_api_imports_the_api_or_the_pages():
	upper = ("frappoint.api", "frappoint.www", "frappoint.portal.pages")
	for name, edges in import_graph().items():
		if name.startswith(
			("frappoint.booking", "frappoint.scheduling", "frappoint.integrations", "frappoint.notifications")
		):
			assert not [e for e in edges if e.startswith(upper)], f"{name} imports {edges}"


# --- the portal's modules -------------------------------------------------------------------------

PORTAL = APP / "public" / "js"
JS_IMPORT = re.compile(r'^import \{([^}]*)\} from "frappoint/([^"]+)";', re.M)
JS_EXPORT = re.compile(r"^export (?:async )?(?:function|const|class) (\w+)", re.M)


def portal_modules() -> dict[str, pathlib.Path]:
	return {str(p.relative_to(PORTAL / "portal")): p for p in sorted((PORTAL / "portal").rglob("*.js"))}


def test_every_portal_import_names_an_export_of_a_module_that_exists():
	modules = portal_modules()
	assert "book/page.js" in modules
	exports = {name: set(JS_EXPORT.findall(path.read_text())) for name, path in modules.items()}
	for path in [PORTAL / "portal.js", *modules.values()]:
		for names, target in JS_IMPORT.findall(path.read_text()):
			assert target in modules, f"{path.name} imports frappoint/{target}, which does not exist"
			missing = {n.strip() for n in names.split(",") if n.strip()} - exports[target]
			assert not missing, f"{path.name} imports {missing} that frappoint/{target} does not export"


def test_the_portal_scripts_stay_small():
	for path in [PORTAL / "portal.js", *portal_modules().values()]:
		assert len(path.read_text().splitlines()) <= 300, f"{path.name} is over 300 lines"


# Application modules over 400 lines, each named in the README's architecture section with the reason.
LONG_FILES_EXPLAINED = {
	"booking/journal.py",
	"public/css/portal.css",
}
MAX_LINES = 400


def test_no_module_is_over_400_lines_but_the_few_the_readme_explains():
	sources = [
		p
		for p in APP.rglob("*")
		if p.suffix in {".py", ".js", ".css", ".html"} and "node_modules" not in p.parts
	]
	long = {str(p.relative_to(APP)) for p in sources if len(p.read_text().splitlines()) > MAX_LINES}
	assert long <= LONG_FILES_EXPLAINED, (
		f"over {MAX_LINES} lines without a reason in the README: {sorted(long - LONG_FILES_EXPLAINED)}"
	)
	readme = (ROOT / "README.md").read_text()
	assert all(pathlib.Path(name).name in readme for name in LONG_FILES_EXPLAINED)


# --- tests: helpers live in fixture modules, so no test module imports another -----------------------


def site_test_modules() -> dict[str, pathlib.Path]:
	"""Site test modules: `test_*.py` files under frappoint/ that hold tests (`integrations/test_gateway.py`
	is the test sites' payment gateway, not a test module)."""
	return {
		module_name(p): p for p in APP.rglob("test_*.py") if re.search(r"^\s*def test_", p.read_text(), re.M)
	}


def imported_names(path: pathlib.Path):
	"""Every dotted name an import in `path` may mean: the module, and module.name for each `from` name."""
	for node in ast.walk(ast.parse(path.read_text())):
		if isinstance(node, ast.Import):
			yield from (alias.name for alias in node.names)
		elif isinstance(node, ast.ImportFrom) and node.module:
			yield node.module
			yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_test_walk_sees_the_site_tests():
	modules = site_test_modules()
	assert "frappoint.tests.test_portal_booking" in modules
	assert "frappoint.frappoint.doctype.service_appointment.test_service_appointment" in modules
	assert "frappoint.integrations.test_gateway" not in modules


def test_no_test_module_imports_another():
	modules = site_test_modules()
	found = {
		name: sorted(set(imported_names(path)) & modules.keys())
		for name, path in modules.items()
		if set(imported_names(path)) & modules.keys()
	}
	assert not found, f"test modules importing test modules (move the helpers to a fixture module): {found}"


# --- every row lock of a booking is taken in booking/ledger.py --------------------------------------

# The SQL here is lower case; comments that name a lock in capitals are not one.
LOCKING_READ = re.compile(r"for update|for_update=True|\.for_update\(|lock in share mode|skip locked")
# Taken outside the ledger, in its lock order, and named in its docstring: the journal's head and
# checkpoint rows, and slot generation's lock of one provider's slots.
LOCKS_OUTSIDE_THE_LEDGER = {"booking/journal.py", "booking/slot_generation.py"}


def test_every_booking_row_lock_is_taken_in_the_ledger():
	paths = [
		*(APP / "booking").glob("*.py"),
		*(APP / "api").glob("*.py"),
		APP / "integrations" / "payments.py",
	]
	outside = {
		str(p.relative_to(APP)) for p in paths if p.name != "ledger.py" and LOCKING_READ.search(p.read_text())
	}
	assert outside <= LOCKS_OUTSIDE_THE_LEDGER, f"row locks taken outside booking/ledger.py: {outside}"


# --- the test run's own hygiene: sites of its own, and only its own processes stopped -----------

RUNNERS = [*sorted((ROOT / "scripts").iterdir()), ROOT / ".ci" / "run"]
DEMO_SITE = re.compile(r"(?<![\w.-])frappoint\.test\b")


def test_the_runners_stop_processes_by_pid_never_by_name():
	for path in RUNNERS:
		source = path.read_text()
		for word in ("pkill", "killall", "kill -9 $(pgrep"):
			assert word not in source, f"{path.name} stops processes by name ({word})"


def test_no_tier_or_benchmark_runs_on_the_demo_site():
	"""frappoint.test is the user's demo: each tier and benchmark runs on a site of its own
	(scripts/lib.sh's test sites, restored from a snapshot), so none may name the demo, not even as a
	default."""
	tools = [
		*(ROOT / "benchmarks").glob("*.py"),
		*(ROOT / "security").glob("*.py"),
		*(ROOT / "e2e").glob("*.mjs"),
	]
	test_runners = [p for p in RUNNERS if p.name in ("test", "run", "queue_census.py")]  # not the demo's
	for path in [*tools, *test_runners]:
		found = [line for line in path.read_text().splitlines() if DEMO_SITE.search(line)]
		assert found == [], f"{path.relative_to(ROOT)} names the demo site: {found}"
	run_tests = re.findall(r"--site\s+(\S+)\s+run-tests", (ROOT / "scripts" / "test").read_text())
	assert run_tests == ['"$tests_site"'], run_tests


def test_the_portal_never_parses_text_as_live_html():
	"""Server messages and customer input reach the portal's pages as text (`textContent`); a string
	turned into live HTML would run an `<img onerror>` payload quoted in a message (server.js's
	plainText parses into an inert DOMParser document instead)."""
	sinks = re.compile(r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write")
	for path in [PORTAL / "portal.js", *portal_modules().values()]:
		found = [line.strip() for line in path.read_text().splitlines() if sinks.search(line)]
		assert found == [], f"{path.name} writes HTML from a string: {found}"


# --- a newcomer finds every module: named in the README's map, and saying first what it holds -----

NOT_MAPPED = ("doctype", "report", "page", "tests", "patches")


def application_modules() -> list[pathlib.Path]:
	return [
		p
		for p in sorted(APP.rglob("*.py"))
		if p.name != "__init__.py" and not any(part in NOT_MAPPED for part in p.relative_to(APP).parts)
	]


def test_every_module_is_named_in_the_readme_architecture_map():
	readme = (ROOT / "README.md").read_text()
	section = readme[readme.index("## Architecture") :]
	section = section[: section.find("\n## ", 5)]
	unnamed = [str(p.relative_to(APP)) for p in application_modules() if p.name not in section]
	assert unnamed == [], f"not named in the README's Architecture section: {unnamed}"


def test_every_module_starts_by_saying_what_it_holds():
	silent = [
		str(p.relative_to(APP))
		for p in application_modules()
		if not ast.get_docstring(ast.parse(p.read_text()))
	]
	assert silent == [], f"modules without a docstring: {silent}"
