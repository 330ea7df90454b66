// Before printing, shrink each display equation that is wider than its column until it fits:
// MathJax 3 does not break lines, and on paper an overflowing formula would be cut off.
(function () {
  function fitEquations() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (eq) {
      eq.style.fontSize = '';
      var room = eq.parentElement.clientWidth, need = eq.scrollWidth;
      if (room > 0 && need > room) {
        eq.style.fontSize = Math.floor(100 * room / need) + '%';
      }
    });
  }
  function restore() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (eq) { eq.style.fontSize = ''; });
  }
  window.mlcoreFitForPrint = fitEquations;
  window.addEventListener('beforeprint', fitEquations);
  window.addEventListener('afterprint', restore);
})();
