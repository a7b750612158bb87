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
