// Accessibility repairs to the theme's markup, applied as soon as the page is parsed (axe-core audit,
// tests/test_browser.py).  Each rule names the audit finding it answers.
(function () {
  function visibleText(el) {
    return (el.innerText || '').replace(/\s+/g, ' ').trim();
  }
  function repair() {
    // label-content-name-mismatch: a control's spoken name must contain the words it shows
    // (the search box, "Show code cell source" toggles).  Where it shows words, they become its name.
    document.querySelectorAll('[aria-label]').forEach(function (el) {
      var text = visibleText(el), label = el.getAttribute('aria-label');
      if (text && label.toLowerCase().indexOf(text.toLowerCase()) === -1) {
        el.setAttribute('aria-label', text);
      }
    });
    // label-content-name-mismatch: icons inside named controls are decoration (the theme switch's
    // sun/moon icons carry titles that would otherwise count as its visible text).
    // Font Awesome turns each <i> into an <svg> with a <title>; inside a named control that title
    // is decoration too.
    document.querySelectorAll('[aria-label] i[class*="fa-"]').forEach(function (el) {
      el.setAttribute('aria-hidden', 'true');
    });
    document.querySelectorAll('[aria-label] svg[aria-hidden="true"]').forEach(function (svg) {
      svg.removeAttribute('aria-labelledby');
      svg.querySelectorAll('title').forEach(function (title) { title.remove(); });
    });
    // aria-required-children / aria-deprecated-role: the bibliography is a list of list items.
    document.querySelectorAll('[role="list"].citation-list > .citation').forEach(function (el) {
      el.setAttribute('role', 'listitem');
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', repair);
  } else {
    repair();
  }
  // Font Awesome draws its icons whenever it likes (after "load", too): repair what it adds.
  new MutationObserver(function (changes) {
    if (changes.some(function (c) { return c.addedNodes.length; })) repair();
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
