# Shared by scripts/bench-setup, scripts/demo and scripts/test (sourced, not run): where the bench and
# its sites are, how to build and start it, and how its `apps/frappoint` is pointed at this checkout.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="${FRAPPOINT_BENCH:-$HOME/frappe-bench}"
# The offline framework archives, where this project's build machines keep them (beside the checkout).
shared="${FRAPPOINT_SHARED:-$repo/../shared}"
site="${FRAPPOINT_SITE:-frappoint.test}"
frappe_only_site="${FRAPPOINT_FRAPPE_ONLY_SITE:-frappe-only.test}"
# The browser tier's own site (ERPNext), so that it can run beside the site tests.
e2e_site="${FRAPPOINT_E2E_SITE:-frappoint-e2e.test}"
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

ensure_e2e_site() {
	ensure_site "$e2e_site" erpnext
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
		for s in "$site" "$frappe_only_site" "$e2e_site"; do
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
