// Resources: one day of every provider's and every room or machine's bookings, side by side on an
// hour grid (frappoint.api.desk.resource_day); a booking opens its appointment.

const FIRST_HOUR = 6;
const HOURS = 16; // 06:00 to 22:00

frappe.pages["resources"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Resources"),
		single_column: true,
	});
	const day = page.add_field({
		fieldname: "day",
		fieldtype: "Date",
		label: __("Day"),
		default: frappe.datetime.get_today(),
		change: () => load(),
	});
	page.add_inner_button(__("Previous Day"), () =>
		day.set_value(frappe.datetime.add_days(day.get_value(), -1)),
	);
	page.add_inner_button(__("Next Day"), () =>
		day.set_value(frappe.datetime.add_days(day.get_value(), 1)),
	);
	const area = $(`<div class="fp-resources"></div>`).appendTo(page.main);
	$(`<style>
		.fp-resources { overflow-x: auto; padding: 8px 0; }
		.fp-resources .fp-row { display: grid; grid-template-columns: 180px 1fr; align-items: stretch; border-bottom: 1px solid var(--border-color); min-width: 900px; }
		.fp-resources .fp-name { padding: 8px; font-weight: 500; }
		.fp-resources .fp-lane { position: relative; min-height: 38px; background: repeating-linear-gradient(90deg, var(--subtle-fg) 0 1px, transparent 1px calc(100% / ${HOURS})); }
		.fp-resources .fp-block { position: absolute; top: 4px; bottom: 4px; border-radius: 4px; padding: 2px 6px; font-size: 12px; overflow: hidden; white-space: nowrap; color: #fff; background: #4f7cff; cursor: pointer; }
		.fp-resources .fp-block.fp-open { background: #b27700; }
		.fp-resources h4 { margin: 16px 0 4px; }
	</style>`).appendTo(page.main);

	const offset = (iso) => {
		const [h, m] = iso.slice(11, 16).split(":").map(Number);
		return Math.min(Math.max(((h - FIRST_HOUR) * 60 + m) / (HOURS * 60), 0), 1) * 100;
	};
	const lane = (row) => {
		const el = $(
			`<div class="fp-row"><div class="fp-name"></div><div class="fp-lane"></div></div>`,
		);
		el.find(".fp-name").text(row.name);
		for (const item of row.items) {
			const left = offset(item.start);
			const width = Math.max(offset(item.end) - left, 1);
			$(`<div class="fp-block" role="link" tabindex="0"></div>`)
				.toggleClass("fp-open", item.status === "Open")
				.css({ left: `${left}%`, width: `${width}%` })
				.text(`${item.start.slice(11, 16)} ${item.title || item.name}`)
				.attr("title", `${item.name} · ${__(item.status)}`)
				.on("click keydown", (e) => {
					if (e.type === "click" || e.key === "Enter")
						frappe.set_route("Form", "Service Appointment", item.name);
				})
				.appendTo(el.find(".fp-lane"));
		}
		return el;
	};
	const load = () =>
		frappe.xcall("frappoint.api.desk.resource_day", { day: day.get_value() }).then((data) => {
			area.empty();
			const hours = $(
				`<div class="fp-row"><div class="fp-name text-muted">${frappe.utils.escape_html(data.timezone)}</div><div class="fp-lane text-muted small"></div></div>`,
			);
			for (let h = 0; h < HOURS; h++) {
				$(`<span></span>`)
					.text(`${String(FIRST_HOUR + h).padStart(2, "0")}:00`)
					.css({
						position: "absolute",
						left: `${(h / HOURS) * 100}%`,
						paddingLeft: "2px",
					})
					.appendTo(hours.find(".fp-lane"));
			}
			area.append(hours, $(`<h4></h4>`).text(__("Providers")), ...data.providers.map(lane));
			if (data.units.length)
				area.append(
					$(`<h4></h4>`).text(__("Rooms and equipment")),
					...data.units.map(lane),
				);
		});
	load();
};
