/* Run once when the chat page loads (ui/app.py, `page_js`, passes embedAlways): embed mode
   (the setting, or `?embed=1`) and citation markers that open their source when clicked. */
(embedAlways) => {
  const params = new URLSearchParams(window.location.search);
  if (embedAlways || params.get("embed") === "1") {
    document.documentElement.classList.add("th-embed");
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.th-cite");
    if (!link) return;
    const source = document.getElementById(link.getAttribute("href").slice(1));
    if (!source) return;
    event.preventDefault();
    event.stopPropagation();
    source.open = true;
    source.scrollIntoView({block: "nearest", behavior: "smooth"});
  }, true);
}
