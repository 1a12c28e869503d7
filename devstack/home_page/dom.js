// Small DOM and fetch helpers for the local Google Home page.
"use strict";

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

export function short(name) {
  return String(name || "").split(".").pop();
}

export function json(value) {
  return JSON.stringify(value, null, 2);
}

export function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function clock(at) {
  return at ? new Date(at).toLocaleTimeString([], { hour12: false }) + "." +
    String(new Date(at).getMilliseconds()).padStart(3, "0") : "";
}

export async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

export function placeInOrder(container, nodes) {
  // Moves only what is out of place, so a focused control keeps its focus.
  nodes.forEach((node, index) => {
    if (container.children[index] !== node) container.insertBefore(node, container.children[index] || null);
  });
  while (container.children.length > nodes.length) container.lastElementChild.remove();
}
