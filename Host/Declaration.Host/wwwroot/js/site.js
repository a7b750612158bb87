// Progressive enhancement only: every page works without this script.
(function () {
  // Open modal dialogs marked data-modal (the 特别提示 of 我要申报) as real modals, so focus stays inside.
  document.querySelectorAll('dialog[data-modal]').forEach(function (d) {
    if (d.open && typeof d.showModal === 'function') { d.close(); d.showModal(); }
  });
  // Forms marked data-confirm ask before destructive actions (the server-side confirmation page remains for no-script use).
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (!window.confirm(f.getAttribute('data-confirm'))) { e.preventDefault(); }
    });
  });
  // Long uploads: show a progress message while the file is sent.
  document.querySelectorAll('form[data-progress]').forEach(function (f) {
    f.addEventListener('submit', function () {
      var s = f.querySelector('[role=status]');
      if (s) { s.textContent = f.getAttribute('data-progress'); }
    });
  });
})();

// The page's own calls to the JSON API: same-origin, with the antiforgery token of the page as the RequestVerificationToken header
// (a state-changing /api call made with the sign-in cookie is refused without it).
window.declarationApi = function (url, options) {
  options = options || {};
  var headers = new Headers(options.headers || {});
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { headers.set('RequestVerificationToken', meta.getAttribute('content')); }
  if (options.body && typeof options.body === 'string' && !headers.has('Content-Type')) { headers.set('Content-Type', 'application/json'); }
  options.headers = headers;
  options.credentials = 'same-origin';
  return fetch(url, options);
};
