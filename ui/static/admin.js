// The admin and analytics pages: every call goes to /api/admin/ with the administrator's key
// (kept in this tab's sessionStorage) or, behind single sign-on, with nothing extra: the
// proxy adds the identity. Text from the server is set with textContent, never as HTML,
// except the analytics report, which the server renders and escapes itself.
"use strict";

const KEY = "talenthub-admin-key";
const API = new URL("../api/admin/", location.href);
const $ = (id) => document.getElementById(id);

function headers() {
  const key = sessionStorage.getItem(KEY);
  return key ? { "X-API-Key": key } : {};
}

class Refused extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function call(path, options = {}) {
  const response = await fetch(new URL(path, API), {
    ...options, headers: { ...headers(), ...(options.headers || {}) } });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
    throw new Refused(response.status, detail);
  }
  return response;
}

function cell(row, text, tag = "td") {
  const element = document.createElement(tag);
  element.textContent = text;
  row.appendChild(element);
  return element;
}

// On a phone the tables stack each row into a card (admin.css); each cell then shows its
// column's name, which it takes from the table's header here.
function labelCells(table) {
  const names = [...table.tHead.rows[0].cells].map((th) => th.textContent);
  for (const row of table.tBodies[0].rows) {
    [...row.cells].forEach((c, i) => { if (names[i]) c.dataset.label = names[i]; });
  }
}

let attempted = false;  // a key was entered: a refusal is worth saying then

function showError(error) {
  if (error instanceof Refused && (error.status === 401 || error.status === 403)) {
    sessionStorage.removeItem(KEY);
    $("th-login").hidden = false;
    $("th-login-error").textContent = attempted || error.status === 403 ? error.message : "";
    for (const id of ["th-docs", "th-analytics"]) { if ($(id)) $(id).hidden = true; }
    $("th-key").focus();
    return;
  }
  $("th-error").textContent = error.message;
}

function signedIn(listing) {
  $("th-login").hidden = true;
  $("th-who").textContent = `Signed in as ${listing.user || "administrator"}` +
    (listing.administers === "*" ? " (every scope)" : ` (${listing.administers})`);
  $("th-signout").hidden = !sessionStorage.getItem(KEY);
}

// -- documents --------------------------------------------------------------------------

const STATUS_TEXT = { "indexed": "Indexed", "skipped": "Skipped", "not indexed yet": "Not indexed yet",
                      "removed": "Deleted, still in the index" };

function renderScopes(listing) {
  const container = $("th-scopes");
  container.replaceChildren();
  for (const [scope, entries] of Object.entries(listing.scopes)) {
    const section = document.createElement("section");
    section.className = "th-scope";
    const title = document.createElement("h2");
    const writable = listing.writable.includes(scope);
    title.textContent = scope === "shared" ? "Shared documents" : `Partner: ${scope}`;
    if (!writable) title.textContent += " (read only)";
    section.appendChild(title);
    const table = document.createElement("table");
    table.className = "th-table";
    const head = table.createTHead().insertRow();
    for (const name of ["Document", "Status", "Pages", "Units", "Last indexed", ""]) cell(head, name, "th");
    const body = table.createTBody();
    if (!entries.length) {
      const row = body.insertRow();
      cell(row, "No documents yet.").colSpan = 6;
    }
    for (const entry of entries) {
      const row = body.insertRow();
      const name = cell(row, entry.title || entry.path, "th");
      name.scope = "row";
      if (entry.title) {
        const path = document.createElement("div");
        path.className = "th-path";
        path.textContent = entry.path;
        name.appendChild(path);
      }
      const status = cell(row, STATUS_TEXT[entry.status] || entry.status);
      status.className = `th-status th-status-${entry.status.replaceAll(" ", "-")}`;
      if (entry.reason || entry.changed) {
        const why = document.createElement("div");
        why.className = "th-reason";
        why.textContent = entry.changed ? "changed since; re-index to update" : entry.reason;
        status.appendChild(why);
      }
      cell(row, entry.pages ? String(entry.pages) : "–");
      cell(row, entry.units ? String(entry.units) : "–");
      cell(row, entry.indexed ? new Date(entry.indexed).toLocaleString() : "–");
      const actions = cell(row, "");
      if (writable && entry.status !== "removed") {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "th-delete";
        button.textContent = "Delete";
        button.setAttribute("aria-label", `Delete ${entry.path}`);
        button.addEventListener("click", () => removeDocument(scope, entry.path));
        actions.appendChild(button);
      }
    }
    labelCells(table);
    section.appendChild(table);
    container.appendChild(section);
  }
}

function renderUploadForm(listing) {
  const select = $("th-scope");
  const current = select.value;
  select.replaceChildren();
  for (const scope of listing.writable) {
    select.add(new Option(scope === "shared" ? "Shared (everyone)" : scope, scope));
  }
  if (listing.new_partners) select.add(new Option("A new partner…", "__new__"));
  if ([...select.options].some((o) => o.value === current)) select.value = current;
  $("th-new-partner-box").hidden = select.value !== "__new__";
  $("th-upload-hint").textContent = `Markdown, text, HTML, PDF or Word, up to ${listing.max_mb} MB.`;
  $("th-upload").hidden = listing.writable.length === 0 && !listing.new_partners;
}

async function renderAudit() {
  const entries = await (await call("audit")).json();
  const body = $("th-audit").tBodies[0];
  body.replaceChildren();
  for (const entry of entries) {
    const row = body.insertRow();
    cell(row, entry.created.replace("T", " ").replace("Z", ""));
    cell(row, entry.actor);
    cell(row, entry.scope === "*" ? "every scope" : entry.scope);
    cell(row, entry.action);
    cell(row, entry.target + (entry.detail ? ` (${entry.detail})` : ""));
  }
  labelCells($("th-audit"));
}

async function loadDocuments() {
  const listing = await (await call("documents")).json();
  signedIn(listing);
  $("th-docs").hidden = false;
  renderUploadForm(listing);
  renderScopes(listing);
  await renderAudit();
  return listing;
}

async function upload(event) {
  event.preventDefault();
  const file = $("th-file").files[0];
  if (!file) return;
  const scope = $("th-scope").value === "__new__" ? $("th-new-partner").value.trim() : $("th-scope").value;
  const form = new FormData();
  form.append("scope", scope);
  form.append("replace", $("th-replace").checked ? "true" : "false");
  form.append("file", file);
  $("th-upload-status").textContent = `Uploading ${file.name}…`;
  try {
    const stored = await (await call("documents", { method: "POST", body: form })).json();
    $("th-upload-status").textContent = `Added ${stored.path}. Re-index to make it answerable.`;
    $("th-upload").reset();
    await loadDocuments();
  } catch (error) {
    $("th-upload-status").textContent = `Not uploaded: ${error.message}`;
  }
}

async function removeDocument(scope, path) {
  if (!confirm(`Delete ${path}? It leaves answers at the next re-index.`)) return;
  try {
    await call(`documents?scope=${encodeURIComponent(scope)}&path=${encodeURIComponent(path)}`,
               { method: "DELETE" });
    await loadDocuments();
  } catch (error) { showError(error); }
}

function describe(state) {
  if (state.state === "running") {
    const stage = state.stage === "embed" ? "Embedding" : "Reading documents";
    return `${stage}… ${state.percent}%` + (state.what ? ` (${state.what})` : "");
  }
  if (state.state === "done") return `Done: ${state.message}.`;
  if (state.state === "failed") return `Failed: ${state.message}.`;
  return "";
}

async function watchReindex() {
  const state = await (await call("reindex")).json();
  const bar = $("th-progress");
  bar.hidden = state.state === "idle";
  bar.value = state.state === "done" ? 100 : state.percent;
  $("th-reindex-status").textContent = describe(state);
  $("th-reindex").disabled = state.state === "running";
  if (state.state === "running") {
    setTimeout(() => watchReindex().catch(showError), 700);
  } else if (state.state === "done") {
    await loadDocuments();
  }
}

async function reindex() {
  try {
    await call("reindex", { method: "POST" });
    await watchReindex();
  } catch (error) {
    $("th-reindex-status").textContent = `Not started: ${error.message}`;
  }
}

// -- analytics --------------------------------------------------------------------------

function filters() {
  const query = new URLSearchParams({ days: $("th-days").value });
  if (!$("th-partner-box").hidden) query.set("partner", $("th-partner").value);
  return query;
}

async function loadReport() {
  const report = $("th-report");
  report.setAttribute("aria-busy", "true");
  const html = await (await call(`analytics?${filters()}`)).text();
  report.innerHTML = html;  // rendered and escaped by the server
  report.setAttribute("aria-busy", "false");
}

async function downloadCsv(table) {
  const blob = await (await call(`analytics/${table}.csv?${filters()}`)).blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `talenthub-${table}.csv`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

async function loadAnalytics() {
  const listing = await (await call("documents")).json();
  signedIn(listing);
  $("th-analytics").hidden = false;
  if (listing.administers === "*") {
    const select = $("th-partner");
    if (!select.options.length) {
      select.add(new Option("every scope", "all"));
      for (const scope of Object.keys(listing.scopes)) {
        if (!scope.startsWith("(")) select.add(new Option(scope === "shared" ? "shared (no partner)" : scope, scope));
      }
    }
    $("th-partner-box").hidden = false;
  }
  await loadReport();
}

// -- start ------------------------------------------------------------------------------

function start() {
  // One page, two views: /admin/ (documents) and /admin/analytics.
  const page = location.pathname.replace(/\/+$/, "").endsWith("/analytics") ? "analytics" : "documents";
  document.title = `${page === "analytics" ? "Analytics" : "Documents"} · Talent Hub Assistant admin`;
  for (const link of document.querySelectorAll("nav a[data-page]")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
  }
  const load = page === "analytics" ? loadAnalytics : loadDocuments;
  $("th-login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempted = true;
    $("th-error").textContent = "";
    sessionStorage.setItem(KEY, $("th-key").value.trim());
    $("th-key").value = "";
    load().catch(showError);
  });
  $("th-signout").addEventListener("click", () => { sessionStorage.removeItem(KEY); location.reload(); });
  if (page === "analytics") {
    $("th-filters").addEventListener("change", () => loadReport().catch(showError));
    $("th-report").addEventListener("click", (event) => {
      const button = event.target.closest("button.th-csv");
      if (button) downloadCsv(button.dataset.table).catch(showError);
    });
  } else {
    $("th-upload").addEventListener("submit", upload);
    $("th-scope").addEventListener("change", () => {
      $("th-new-partner-box").hidden = $("th-scope").value !== "__new__";
    });
    $("th-reindex").addEventListener("click", reindex);
  }
  load().then(() => (page === "analytics" ? null : watchReindex())).catch(showError);
}

start();
