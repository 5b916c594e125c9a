// Small DOM helpers. Every text that came from a customer or the server is set with textContent,
// never as HTML.

export function ref(root, name) {
	return root.querySelector(`[data-ref="${name}"]`);
}

export function el(tag, attrs = {}, ...children) {
	const node = document.createElement(tag);
	for (const [key, value] of Object.entries(attrs)) {
		if (value === null || value === undefined || value === false) continue;
		if (key === "class") node.className = value;
		else if (key === "text") node.textContent = value;
		else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
		else node.setAttribute(key, value === true ? "" : value);
	}
	for (const child of children.flat()) {
		if (child !== null && child !== undefined) {
			node.append(child instanceof Node ? child : document.createTextNode(String(child)));
		}
	}
	return node;
}

export function showAlert(root, message, { focus = true } = {}) {
	const alert = ref(root, "alert");
	if (!alert) return;
	alert.textContent = message;
	alert.hidden = !message;
	if (message && focus) alert.focus();
}
