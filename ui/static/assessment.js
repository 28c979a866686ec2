// The self-assessment sheet's behaviour (Gradio runs it when the sheet renders, with
// `element`, `watch` and `trigger`; see ui/assessment_tab.py). The answers live here, in
// the browser's local storage, one entry per organisation: they survive focus and blur,
// switching organisation and a reload, and nothing discards them without asking first.
const PREFIX = "talenthub.self-assessment.";
const form = () => element.querySelector("form.th-sa-form");

function stored(who) {
  try {
    return JSON.parse(localStorage.getItem(PREFIX + who) || "{}").answers || {};
  } catch (error) {
    return {};
  }
}

function store(who, answers) {
  try {
    if (Object.keys(answers).length) {
      localStorage.setItem(PREFIX + who, JSON.stringify({answers, saved: new Date().toISOString()}));
    } else {
      localStorage.removeItem(PREFIX + who);
    }
  } catch (error) { /* private mode: the answers still stay on the page */ }
}

function read() {
  const answers = {};
  form()?.querySelectorAll("input[type=radio]:checked").forEach((input) => {
    answers[input.closest("fieldset").dataset.id] = input.value;
  });
  return answers;
}

function show(answers) {
  form()?.querySelectorAll("fieldset.th-sa-statement").forEach((fieldset) => {
    fieldset.querySelectorAll("input[type=radio]").forEach((input) => {
      input.checked = input.value === answers[fieldset.dataset.id];
    });
  });
  count();
}

function count() {
  const shown = element.querySelector(".th-sa-count");
  if (shown) shown.textContent = String(Object.keys(read()).length);
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// An inline confirmation: the question, then a button that does it and one that does not.
function confirm(question, yes, no, onYes) {
  const box = element.querySelector(".th-sa-confirm");
  box.querySelector(".th-sa-question").textContent = question;
  box.querySelector(".th-sa-yes").textContent = yes;
  box.querySelector(".th-sa-no").textContent = no;
  box.hidden = false;
  box.onclick = (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    box.hidden = true;
    if (button.classList.contains("th-sa-yes")) onYes();
    element.querySelector(".th-sa-clear")?.focus();
  };
  box.querySelector(".th-sa-no").focus();
}

function same(a, b) {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

// A new sheet: this organisation's answers from storage, or the ones from a loaded file
// (asking first when they would replace different answers).
function restore() {
  const sheet = form();
  if (!sheet) return;
  const who = sheet.dataset.stakeholder;
  const mine = stored(who);
  show(mine);
  if (!sheet.dataset.loaded) return;
  const loaded = JSON.parse(sheet.dataset.loaded);
  const take = () => { show(loaded); store(who, loaded); };
  const kept = Object.keys(mine).length;
  if (!kept || same(mine, loaded)) {
    take();
  } else {
    confirm(`Replace your ${plural(kept, "answer")} for ${sheet.dataset.name} with the ` +
            `${Object.keys(loaded).length} in ${sheet.dataset.source}?`,
            "Replace them", `Keep my ${plural(kept, "answer")}`, take);
  }
}

element.addEventListener("change", (event) => {
  if (!event.target.matches("input[type=radio]")) return;
  store(form().dataset.stakeholder, read());
  count();
});

element.addEventListener("click", (event) => {
  if (!event.target.closest(".th-sa-clear")) return;
  const sheet = form();
  const kept = Object.keys(read()).length;
  if (!kept) return;
  confirm(`Discard your ${plural(kept, "answer")} for ${sheet.dataset.name}? ` +
          "They cannot be brought back.", "Discard them", "Keep them", () => {
    show({});
    store(sheet.dataset.stakeholder, {});
  });
});

window.talenthubAnswers = read;  // what "Build my action plan" sends
watch("value", restore);
restore();
