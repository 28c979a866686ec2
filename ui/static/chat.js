/* Run once when the page loads (ui/app.py, `page_js`, passes the options). What the page
   does in the browser:
   - embed mode (the setting, or `?embed=1`): a widget, the chat alone unless the operator
     keeps the self-assessment, and a note when no site may frame it yet;
   - citation markers open their source; follow-ups ask their question (or open the
     self-assessment) through the chat's bridge; "Copy citation" copies one;
   - each new question and its answer are scrolled to their start, and the answer is read
     out once, as text, when it is complete;
   - Gradio's markup is mended for screen readers: its chat log announces every streamed
     piece and labels each message with its raw Markdown, and its example list holds
     buttons, not list items. */
(options) => {
  const MIN_HEIGHT = 260;
  const root = document.documentElement;
  const params = new URLSearchParams(window.location.search);
  if (options.embedAlways || params.get("embed") === "1") {
    root.classList.add("th-embed");
    if (options.embedAssessment) root.classList.add("th-embed-assessment");
    if (!options.framingAllowed && window.top === window) root.classList.add("th-unframeable");
  }

  const chat = () => document.getElementById("th-chat");
  const log = () => chat()?.querySelector("[role=log]");
  const box = () => document.querySelector("#th-question textarea");

  function scrollParent(node) {
    for (let el = node?.parentElement; el; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (/(auto|scroll)/.test(style.overflowY) && el.scrollHeight > el.clientHeight) return el;
    }
    return null;
  }

  // The latest question at the top of the conversation, so its answer reads from the start.
  function showLatest() {
    const rows = chat()?.querySelectorAll(".message-row.user-row");
    const row = rows && rows[rows.length - 1];
    const scroller = row && scrollParent(row);
    if (!scroller) return;
    const offset = row.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
    scroller.scrollTop += offset - 4;
  }

  function plainText(message) {
    const copy = message.cloneNode(true);
    copy.querySelectorAll(".th-next, .th-sources").forEach((el) => el.remove());
    return copy.innerText.replace(/\s*\[\d+\]/g, "").replace(/\s+\n/g, "\n").trim();
  }

  function announce(text) {
    const region = document.getElementById("th-announce");
    if (!region) return;
    region.textContent = "";
    setTimeout(() => { region.textContent = text; }, 50);
  }

  // The conversation takes the height the window leaves, with the question box in view
  // (a widget: with everything below it in view too, down to the notice).
  function fit() {
    const conversation = chat();
    const input = document.getElementById("th-question");
    if (!conversation || !input || conversation.offsetParent === null) return;
    const top = conversation.getBoundingClientRect().top + window.scrollY;
    const end = root.classList.contains("th-embed")
      ? document.documentElement.scrollHeight - window.scrollY
      : input.getBoundingClientRect().bottom;
    const below = end - conversation.getBoundingClientRect().bottom;
    const height = Math.max(MIN_HEIGHT, window.innerHeight - top - below - 10);
    if (Math.abs(conversation.offsetHeight - height) > 2) {
      conversation.style.setProperty("height", `${height}px`, "important");
    }
  }
  window.addEventListener("resize", fit);

  let rows = 0;
  function mend() {
    root.classList.toggle("th-started", !!chat()?.querySelector(".message-row"));
    fit();
    const examples = chat()?.querySelector(".examples[role=list]");
    if (examples) {
      examples.setAttribute("role", "group");
      examples.setAttribute("aria-label", "Example questions");
    }
    const conversation = log();
    if (conversation && conversation.getAttribute("aria-live") !== "off") {
      conversation.setAttribute("aria-live", "off");  // answers are announced once, below
    }
    chat()?.querySelectorAll("[data-testid=bot][aria-label], [data-testid=user][aria-label]")
      .forEach((message) => message.removeAttribute("aria-label"));
    const count = chat()?.querySelectorAll(".message-row").length || 0;
    if (count > rows) requestAnimationFrame(showLatest);
    rows = count;
  }
  // A streamed answer changes the page many times a second: mend (which measures the
  // layout) at most once a frame.
  let queued = false;
  function mendSoon() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; mend(); });
  }
  new MutationObserver(mendSoon).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["aria-label", "aria-live"],
  });

  window.talenthub = {
    // After an answer is complete: scroll to it, and read it out once, as text.
    answered() {
      showLatest();
      const messages = chat()?.querySelectorAll("[data-testid=bot]");
      const last = messages && messages[messages.length - 1];
      if (last) announce(plainText(last));
      if (document.activeElement === document.body) box()?.focus();
    },
    // After "Build my action plan": read out the status, and move to the plan if built.
    planned() {
      const status = document.querySelector("#th-sa-status");
      if (status?.innerText.trim()) announce(status.innerText.trim());
      const heading = document.querySelector("#th-sa-plan h1");
      if (heading && !status?.querySelector("[role=alert]")) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    },
  };

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    return Promise.resolve();
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest ? event.target : event.target.parentElement;
    const link = target?.closest("a.th-cite");
    if (link) {
      const source = document.getElementById(link.getAttribute("href").slice(1));
      if (!source) return;
      event.preventDefault();
      event.stopPropagation();
      source.open = true;
      source.scrollIntoView({block: "nearest", behavior: "smooth"});
      source.querySelector("summary")?.focus();
      return;
    }
    const followup = target?.closest("button.th-followup");
    if (followup) {
      event.preventDefault();
      const assess = [...followup.classList].find((c) => c.startsWith("th-assess--"));
      const name = assess ? "talenthub:assess" : "talenthub:ask";
      const detail = assess ? assess.slice("th-assess--".length) : followup.textContent.trim();
      document.dispatchEvent(new CustomEvent(name, {detail}));
      return;
    }
    const copier = target?.closest("button.th-copy");
    if (copier) {
      const text = copier.parentElement.querySelector(".th-cite-as")?.textContent || "";
      copy(text).then(() => {
        copier.textContent = "Copied";
        announce("Citation copied");
        setTimeout(() => { copier.textContent = "Copy citation"; }, 2000);
      });
    }
  }, true);
}
