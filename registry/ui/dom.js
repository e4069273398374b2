// Tiny DOM helpers. Every piece of data reaches the page through textContent or an attribute,
// never through innerHTML, so a service or consumer name can never inject markup.

/**
 * Creates an element. `props` sets attributes (`class`, `data-*`, `aria-*`, `title`...);
 * children are nodes or strings (strings become text nodes); null/undefined/false are skipped.
 * @param {string} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [props]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return element;
}

/**
 * Human duration for a number of seconds: "4s", "2m 05s", "3h 10m".
 * @param {number} seconds
 */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Seconds from an ISO time to now (negative when it lies in the future); NaN when unparsable.
 * @param {string | null | undefined} iso
 * @param {number} now epoch milliseconds
 */
export function secondsSince(iso, now) {
  if (!iso) return Number.NaN;
  return (now - Date.parse(iso)) / 1000;
}

/**
 * Local wall-clock time of an ISO string, e.g. "14:03:07".
 * @param {string | undefined} iso
 */
export function formatClock(iso) {
  const date = iso ? new Date(iso) : new Date();
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour12: false });
}
