// Progressive enhancement only: every page works without this (character count, conditional
// reveal, error summary focus, and the Shift-three-times shortcut of "Leave this site").
import { initAll } from '/assets/govuk-frontend.min.js';
initAll();
