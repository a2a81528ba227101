// Progressive enhancement only: every page works without this (character count, conditional
// reveal, error summary focus, and the Shift-three-times shortcut of "Leave this site").
import { initAll } from '/assets/govuk-frontend.min.js';
initAll();

// "Print or save this page" on the confirmation: the browser's own print dialog (which also saves as PDF).
for (const link of document.querySelectorAll('[data-module="app-print"]')) {
  link.addEventListener('click', (event) => { event.preventDefault(); window.print(); });
}
