# Shared by scripts/bench-setup, scripts/demo and scripts/test (sourced, not run): where the bench and
# its sites are, how to build and start it, and how its `apps/frappoint` is pointed at this checkout.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="${FRAPPOINT_BENCH:-$HOME/frappe-bench}"
# The offline framework archives, where this project's build machines keep them (beside the checkout).
shared="${FRAPPOINT_SHARED:-$repo/../shared}"
# The user's sites: the demo (ERPNext) and a Frappe-only one. No test or benchmark touches them.
site="${FRAPPOINT_SITE:-frappoint.test}"
frappe_only_site="${FRAPPOINT_FRAPPE_ONLY_SITE:-frappe-only.test}"
# Each test tier and the benchmarks on a site of their own, restored from a snapshot at every start
# (pristine_site below): tier 2, tier 2b (Frappe alone), tiers 2c and 2d, the benchmarks.
tests_site="${FRAPPOINT_TESTS_SITE:-frappoint-tests.test}"
frappe_tests_site="${FRAPPOINT_FRAPPE_TESTS_SITE:-frappoint-frappe-tests.test}"
e2e_site="${FRAPPOINT_E2E_SITE:-frappoint-e2e.test}"
bench_site="${FRAPPOINT_BENCH_SITE:-frappoint-bench.test}"
db_root_password="${FRAPPOINT_DB_ROOT_PASSWORD:-root}"
admin_password="${FRAPPOINT_ADMIN_PASSWORD:-admin}"
app_link="$bench_dir/apps/frappoint"

say() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

bench_ready() {
	[ -x "$bench_dir/env/bin/python" ] && [ -d "$bench_dir/apps/frappe" ] && [ -d "$bench_dir/apps/erpnext" ] \
		&& [ -f "$bench_dir/sites/$site/site_config.json" ] && [ -f "$bench_dir/sites/$frappe_only_site/site_config.json" ]
}

# --- building ----------------------------------------------------------------------------------

build_bench() {
	if [ -d "$shared/vendor" ] && [ -x "$shared/bench/build-bench.sh" ]; then
		say "bench from the framework archives in $shared/vendor"
		FRAPPOINT_BENCH="$bench_dir" bash "$shared/bench/build-bench.sh"
	else
		build_bench_online
	fi
	start_services
	ensure_sites
}

build_bench_online() {
	# The ordinary way, for machines that reach GitHub: Debian packages, bench CLI, `bench init`.
	say "bench from GitHub (no $shared/vendor here)"
	local pkgs=(mariadb-server mariadb-client redis-server git curl pkg-config build-essential libmariadb-dev cron nodejs npm)
	local missing=() p
	for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
	if [ ${#missing[@]} -gt 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
	printf '[mysqld]\ncharacter-set-client-handshake = FALSE\ncharacter-set-server = utf8mb4\ncollation-server = utf8mb4_unicode_ci\n\n[mysql]\ndefault-character-set = utf8mb4\n' \
		>/etc/mysql/mariadb.conf.d/99-frappe.cnf
	start_mariadb
	command -v yarn >/dev/null || npm install -g --silent yarn@1.22.22
	python3 -m pip install -q --disable-pip-version-check 'frappe-bench>=5.22' uv 'setuptools<81'
	if [ ! -d "$bench_dir/apps/frappe" ]; then
		local here
		here=$(mktemp -d) && printf '{"frappe_user": "%s"}\n' "$(id -un)" >"$here/common_site_config.json"
		mkdir -p "$here/sites" && cp "$here/common_site_config.json" "$here/sites/"
		(cd "$here" && bench init --frappe-branch version-15 --python "$(command -v python3)" --no-backups "$bench_dir")
	fi
	[ -d "$bench_dir/apps/erpnext" ] || (cd "$bench_dir" && bench get-app --branch version-15 erpnext)
}

start_mariadb() {
	mysqladmin -uroot -p"$db_root_password" ping >/dev/null 2>&1 && return 0
	mysqladmin -uroot ping >/dev/null 2>&1 && return 0
	mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
	# Detached in a subshell: not a job of this shell (a later `wait` would wait for the database
	# forever) and holding none of its output pipes (CI reads them to the end).
	(setsid nohup mysqld_safe >/tmp/frappoint-mysqld.out 2>&1 </dev/null &)
	for _ in $(seq 1 60); do mysqladmin -uroot ping >/dev/null 2>&1 && break; sleep 1; done
	if ! mysql -h127.0.0.1 -uroot -p"$db_root_password" -e 'select 1' >/dev/null 2>&1; then
		mysql -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('$db_root_password'); FLUSH PRIVILEGES;"
	fi
}

start_services() {
	start_mariadb
	start_test_redis
	local conf port
	for conf in redis_cache redis_queue; do
		port=$(awk '/^port/ {print $2}' "$bench_dir/config/$conf.conf")
		redis-cli -p "$port" ping >/dev/null 2>&1 \
			|| redis-server "$bench_dir/config/$conf.conf" --daemonize yes >/dev/null 2>&1 </dev/null
	done
}

ensure_sites() {
	# The same sites whichever way the bench was built; a half-made site is made again.
	(cd "$bench_dir" && bench set-config -g developer_mode 1 >/dev/null)
	ensure_site "$site" erpnext
	ensure_site "$frappe_only_site" frappe
	local s
	for s in "$site" "$frappe_only_site"; do
		(cd "$bench_dir" && bench --site "$s" set-config allow_tests true >/dev/null)
	done
}

ensure_site() {
	# Site $1 with app $2 (frappe alone, or erpnext), made again unless it has it; named in /etc/hosts.
	local name=$1 app=$2 log="/tmp/frappoint-new-site-$1.log"
	if ! site_has_app "$name" "$app"; then
		local install=()
		[ "$app" = frappe ] || install=(--install-app "$app")
		(cd "$bench_dir" && bench new-site "$name" --force --db-root-username root \
			--db-root-password "$db_root_password" --admin-password "$admin_password" "${install[@]}" \
			>"$log" 2>&1) || { tail -c 3000 "$log"; return 1; }
	fi
	getent hosts "$name" >/dev/null || echo "127.0.0.1 $name" >>/etc/hosts
}

site_has_app() {
	# The installed_apps default, which install-app and run-tests go by; `list-apps` shows a copy that
	# only `migrate` refreshes.
	(cd "$bench_dir" && bench --site "$1" execute frappe.get_installed_apps 2>/dev/null | grep -q "\"$2\"")
}

# --- this checkout as the bench's frappoint ----------------------------------------------------

link_app() {
	# bench finds the app at apps/frappoint and Python through an editable install of that path, so
	# pointing the link at this checkout is all it takes to run this tree.
	ln -sfn "$repo" "$app_link"
	if ! (cd / && "$bench_dir/env/bin/python" -c "import frappoint.hooks") >/dev/null 2>&1; then
		python3 -m uv pip install -q --python "$bench_dir/env/bin/python" -e "$app_link"
	fi
	# The editable install records the resolved path of the tree it was made from: name the link
	# instead, so that re-pointing the link is all it takes.
	local pth
	for pth in "$bench_dir"/env/lib/python3*/site-packages/frappoint.pth; do
		[ -f "$pth" ] && printf '%s\n' "$app_link" >"$pth"
	done
	[ "$(cd / && "$bench_dir/env/bin/python" -c 'import frappoint, os; print(os.path.realpath(frappoint.__path__[0]))')" \
		= "$(realpath "$repo/frappoint")" ]
	local apps="$bench_dir/sites/apps.txt"
	if ! grep -qx frappoint "$apps"; then
		# apps.txt may lack its final newline; appending blindly would glue two app names together.
		[ -s "$apps" ] && [ -n "$(tail -c 1 "$apps")" ] && printf '\n' >>"$apps"
		printf 'frappoint\n' >>"$apps"
		forget_app_modules
	fi
	# /assets/frappoint/... (the portal's script and styles) served from the checkout too.
	ln -sfn "$app_link/frappoint/public" "$bench_dir/sites/assets/frappoint"
}

forget_app_modules() {
	# Frappe keeps the bench's app -> modules map in Redis, once per site; after apps.txt changes
	# behind bench's back a stale map makes install-app sync no DocTypes at all.
	(cd "$bench_dir" && bench --site all clear-cache >/dev/null)
}

install_app_on_sites() {
	local s stamp tree
	tree=$(migration_inputs)
	for s in "$@"; do
		stamp="$bench_dir/sites/$s/frappoint-migrated.sha1"
		if ! site_has_app "$s" frappoint; then
			# --force: a site an interrupted install left half-made (Module Def, no DocTypes) is finished.
			(cd "$bench_dir" && bench --site "$s" install-app frappoint --force)
			rm -f "$stamp"
		fi
		# Migrating a site with ERPNext takes half a minute: skip it when nothing it reads has changed.
		[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$tree" ] && continue
		(cd "$bench_dir" && bench --site "$s" migrate --skip-search-index >"/tmp/frappoint-migrate-$s.log" 2>&1) \
			|| { tail -40 "/tmp/frappoint-migrate-$s.log"; return 1; }
		printf '%s\n' "$tree" >"$stamp"
	done
}

migration_inputs() {
	# A digest of everything a migrate applies: this app's files and the framework's commits.
	{
		(cd "$repo" && find frappoint -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 | sort -z | xargs -0 sha1sum)
		git -C "$bench_dir/apps/frappe" rev-parse HEAD 2>/dev/null
		git -C "$bench_dir/apps/erpnext" rev-parse HEAD 2>/dev/null
	} | sha1sum | cut -d' ' -f1
}

remember_app() {
	# What apps/frappoint was before this run: a link (to a tree), a directory, or nothing.
	previous_link=$(readlink "$app_link" 2>/dev/null || true)
	previous_dir=""
	if [ -d "$app_link" ] && [ ! -L "$app_link" ]; then
		previous_dir="$app_link.before-frappoint-ci"
		mv "$app_link" "$previous_dir"
	fi
}

restore_app() {
	if [ -n "$previous_dir" ]; then
		rm -f "$app_link" && mv "$previous_dir" "$app_link"
		echo "bench: apps/frappoint is its own directory again"
	elif [ -n "$previous_link" ]; then
		ln -sfn "$previous_link" "$app_link"
		echo "bench: apps/frappoint points back at $previous_link"
	else
		# The bench had no frappoint: take it out again, leaving every bench command working.
		local s
		for s in "$site" "$frappe_only_site" "${test_sites[@]}"; do
			[ -d "$bench_dir/sites/$s" ] || continue
			(cd "$bench_dir" && bench --site "$s" remove-from-installed-apps frappoint >/dev/null 2>&1) || true
		done
		sed -i '/^frappoint$/d' "$bench_dir/sites/apps.txt"
		forget_app_modules
		python3 -m uv pip uninstall -q --python "$bench_dir/env/bin/python" frappoint >/dev/null 2>&1 || true
		rm -f "$app_link" "$bench_dir/sites/assets/frappoint"
		echo "bench: frappoint removed again (the bench had none before this run)"
	fi
}

# --- sites of their own for the tests and benchmarks, restored from a snapshot every run --------

# FRAPPOINT_EXTRA_TEST_SITES: more sites of this kind, for people working side by side on one bench
# (each its own Redis databases; at most four more).
# shellcheck disable=SC2206  # a space-separated list of site names
test_sites=("$tests_site" "$frappe_tests_site" "$e2e_site" "$bench_site" ${FRAPPOINT_EXTRA_TEST_SITES:-})
# The test sites' own Redis, two databases each (cache, queue), so that no test or benchmark sees the
# jobs and cache keys of another site (the demo's included) or of an earlier run, and no worker a run
# starts takes a job of any site but its own. Left running, like the bench's Redis.
test_redis_port="${FRAPPOINT_TEST_REDIS_PORT:-13900}"
snapshots="$bench_dir/frappoint-snapshots"
# Bump when what a template holds changes in a way its key does not see.
template_recipe=1

pristine_site() {
	# Site $1, exactly as template $2 is: `erpnext` (Frappe + ERPNext + Frappoint, set-up wizard done,
	# tests allowed) or `frappe` (Frappe alone). Its database and files are replaced by the template's
	# snapshot (made first when missing or out of date), its own Redis databases are emptied and any
	# job of it an older run left in the bench's shared queues is dropped: no run sees another run's
	# rows, Settings, jobs or cache.
	local name=$1 template=$2 snapshot started
	started=$(date +%s)
	snapshot=$(template_snapshot "$template") || return 1
	clone_snapshot "$snapshot" "$name" || return 1
	if [ "$template" = erpnext ]; then
		# Install steps live in Python too (custom fields, triggers, e-mail templates): what this
		# checkout's install would make now, which a snapshot keyed by schema alone might lack.
		(cd "$bench_dir" && bench --site "$name" execute frappoint.install.after_migrate >/dev/null) || return 1
	fi
	forget_site_state "$name" || return 1
	echo "$name: restored from snapshot $(basename "$snapshot") in $(($(date +%s) - started)) s"
}

template_key() {
	# What decides a template's schema: the framework's commits, this app's DocType, report and
	# workspace JSON and its patches, the year (the fiscal year the set-up wizard makes).
	{
		echo "$1 $template_recipe $(date +%Y)"
		git -C "$bench_dir/apps/frappe" rev-parse HEAD
		if [ "$1" = erpnext ]; then
			git -C "$bench_dir/apps/erpnext" rev-parse HEAD
			(cd "$repo" && { find frappoint -name '*.json' -o -path 'frappoint/patches/*.py'; echo frappoint/patches.txt; } \
				| LC_ALL=C sort | xargs sha1sum)
		fi
	} | sha1sum | cut -c1-12
}

template_snapshot() {
	# The directory of template $1's current snapshot, made if missing (one maker at a time: tiers
	# running side by side may ask for it at once).
	local template=$1 key dir
	key=$(template_key "$template")
	dir="$snapshots/$template-$key"
	mkdir -p "$snapshots"
	(
		flock 9
		[ -f "$dir/db.sql" ] && [ -f "$dir/site.tar" ] && exit 0
		make_template "$template" "$dir" >&2
	) 9>"$snapshots/.$template.lock" || return 1
	echo "$dir"
}

make_template() {
	# A new site for template $1, its database dump and its files in $2; the site is dropped again.
	local template=$1 dir=$2 name="frappoint-template-$1.test" log="/tmp/frappoint-template-$1.log" apps=() db
	say "template $template: a new site (first run, or the schema changed)"
	[ "$template" = erpnext ] && apps=(--install-app erpnext --install-app frappoint)
	(
		set -e
		cd "$bench_dir"
		bench new-site "$name" --force --db-root-username root --db-root-password "$db_root_password" \
			--admin-password "$admin_password" "${apps[@]}"
		bench --site "$name" set-config allow_tests true
		[ "$template" = erpnext ] && bench --site "$name" execute frappoint.demo.complete_site_setup
		true
	) >"$log" 2>&1 || { tail -c 3000 "$log"; return 1; }
	db=$(site_config_value "$name" db_name)
	rm -rf "$snapshots/$template-"* && mkdir -p "$dir.partial"  # older keys of this template go
	# Without DEFINER clauses: the triggers are made again by whoever imports the dump (the
	# template's own database user is dropped below).
	mariadb-dump -uroot -p"$db_root_password" --single-transaction --routines --triggers "$db" \
		| sed -E 's/DEFINER=`[^`]+`@`[^`]+`//g' >"$dir.partial/db.sql"
	tar -C "$bench_dir/sites/$name" --exclude=./logs --exclude=./locks -cf "$dir.partial/site.tar" .
	mv "$dir.partial" "$dir"
	drop_site "$name"
	echo "template $template: snapshot $(basename "$dir") ($(du -sh "$dir" | cut -f1))"
}

clone_snapshot() {
	# Site $2 becomes a copy of snapshot $1: the template's files with a database of its own (named
	# as `bench new-site` would name it), its own journal signing key made on first use.
	local snapshot=$1 name=$2 dir="$bench_dir/sites/$2" db password
	db="_$(printf %s "$name" | sha1sum | cut -c1-16)"
	password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	rm -rf "$dir" && mkdir -p "$dir/logs" "$dir/locks" && tar -C "$dir" -xf "$snapshot/site.tar"
	python3 - "$dir/site_config.json" "$db" "$password" $(site_redis "$name") <<-'PY'
		import json, sys
		path, db, password, redis_cache, redis_queue = sys.argv[1:]
		config = json.load(open(path))
		config.update(db_name=db, db_password=password, redis_cache=redis_cache, redis_queue=redis_queue)
		for key in ("frappoint_journal_key", "frappoint_journal_salt"):
		    config.pop(key, None)
		json.dump(config, open(path, "w"), indent=1, sort_keys=True)
	PY
	mariadb -uroot -p"$db_root_password" -e "
		DROP DATABASE IF EXISTS \`$db\`;
		CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
		DROP USER IF EXISTS '$db'@'localhost';
		CREATE USER '$db'@'localhost' IDENTIFIED BY '$password';
		GRANT ALL PRIVILEGES ON \`$db\`.* TO '$db'@'localhost';
		FLUSH PRIVILEGES;" || return 1
	mariadb -uroot -p"$db_root_password" "$db" <"$snapshot/db.sql" || return 1
	getent hosts "$name" >/dev/null || echo "127.0.0.1 $name" >>/etc/hosts
}

drop_site() {
	(cd "$bench_dir" && bench drop-site "$1" --force --no-backup --db-root-username root \
		--db-root-password "$db_root_password" >/dev/null 2>&1) || true
	rm -rf "$bench_dir/archived/sites/$1" "$bench_dir/archived_sites/$1" "$bench_dir/sites/$1"
}

site_config_value() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$bench_dir/sites/$1/site_config.json" "$2"
}

start_test_redis() {
	redis-cli -p "$test_redis_port" ping >/dev/null 2>&1 && return 0
	redis-server --port "$test_redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
		--logfile /tmp/frappoint-test-redis.log >/dev/null </dev/null
	for _ in $(seq 1 20); do redis-cli -p "$test_redis_port" ping >/dev/null 2>&1 && return 0; sleep 0.5; done
	echo "the test sites' Redis did not start on port $test_redis_port"
	return 1
}

site_redis_db() {
	# The first of test site $1's two Redis databases (cache; the queue is the next one).
	local i
	for i in "${!test_sites[@]}"; do
		[ "${test_sites[$i]}" = "$1" ] && { echo $((2 * i)); return 0; }
	done
	echo "$1 is not a test site" >&2
	return 1
}

site_redis() {
	# "cache-url queue-url" of test site $1.
	local db
	db=$(site_redis_db "$1") || return 1
	echo "redis://127.0.0.1:$test_redis_port/$db redis://127.0.0.1:$test_redis_port/$((db + 1))"
}

use_site_redis() {
	# For this shell and what it starts (servers, RQ workers): Frappe's environment override of
	# the Redis URLs, so that a worker takes test site $1's jobs only.
	local urls
	urls=$(site_redis "$1") || return 1
	export FRAPPE_REDIS_CACHE="${urls%% *}" FRAPPE_REDIS_QUEUE="${urls##* }"
}

forget_site_state() {
	# Empty test site $1's Redis databases, and drop any job of it an older run left in the bench's
	# shared queues: no job or cache key of an earlier run is left for it.
	local db
	start_test_redis || return 1
	db=$(site_redis_db "$1") || return 1
	redis-cli -p "$test_redis_port" -n "$db" flushdb >/dev/null && redis-cli -p "$test_redis_port" -n $((db + 1)) flushdb >/dev/null \
		&& (cd "$bench_dir/sites" && env -u FRAPPE_REDIS_QUEUE -u FRAPPE_REDIS_CACHE ../env/bin/python "$repo/scripts/queue_census.py" --forget "$1" >/dev/null)
}

queue_census() {
	# One line: the jobs waiting, running or failed in the bench's own queues, per site.
	(cd "$bench_dir/sites" && env -u FRAPPE_REDIS_QUEUE -u FRAPPE_REDIS_CACHE ../env/bin/python "$repo/scripts/queue_census.py")
}

prepare_lint() {
	# prettier at lint/package.json's version, for tier 1's style test (tests/test_style.py).
	local stamp="$repo/lint/node_modules/.frappoint-lock.sha1" lock
	lock=$(sha1sum "$repo/lint/package-lock.json" | cut -d' ' -f1)
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock" ] && return
	(cd "$repo/lint" && npm ci --no-audit --no-fund --loglevel=error)
	echo "$lock" >"$stamp"
}
