// Small conveniences only; every page works without this file.
document.addEventListener("change", function (e) {
  var t = e.target;
  if (t.matches && t.matches("input[data-check-all]")) {
    var boxes = document.querySelectorAll('input[name="' + t.dataset.checkAll + '"]:not(:disabled)');
    boxes.forEach(function (b) { b.checked = t.checked; });
  }
});
document.addEventListener("submit", function (e) {
  var f = e.target;
  if (f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm)) { e.preventDefault(); }
});
// Review queue from the keyboard: j/k move, x ticks, Shift+A approves the ticked, / searches.
document.addEventListener("keydown", function (e) {
  var t = e.target;
  if (t && (t.tagName === "INPUT" && t.type !== "checkbox" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr[data-id]"));
  if (e.key === "/") {
    var box = document.getElementById("f-q") || document.getElementById("q");
    if (box) { e.preventDefault(); box.focus(); }
    return;
  }
  if (!rows.length) { return; }
  var current = rows.indexOf(document.activeElement && document.activeElement.closest ? document.activeElement.closest("tr[data-id]") : null);
  if (e.key === "j" || e.key === "k") {
    var next = e.key === "j" ? Math.min(rows.length - 1, current + 1) : Math.max(0, current - 1);
    rows.forEach(function (r) { r.classList.remove("current"); });
    rows[next].classList.add("current");
    rows[next].focus();
    e.preventDefault();
  } else if (e.key === "x" && current >= 0) {
    var box2 = rows[current].querySelector('input[name="ids"]:not(:disabled)');
    if (box2) { box2.checked = !box2.checked; }
    e.preventDefault();
  } else if (e.key === "A" && e.shiftKey) {
    var approve = document.querySelector('#bulk button[name="decision"][value="approve"]');
    if (approve && document.querySelector('input[name="ids"]:checked')) { e.preventDefault(); approve.click(); }
  }
});
