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
