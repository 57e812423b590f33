// Start GOV.UK Frontend. Loaded as <script type="module">, so browsers that
// cannot run ES modules get the no-JavaScript version of every component.
import { initAll } from "./govuk-frontend.min.js";

// Mark the page as able to run GOV.UK Frontend. This replaces the inline
// <script> in the GOV.UK page template, which the content security policy
// (script-src 'self') does not allow.
document.body.classList.add("js-enabled", "govuk-frontend-supported");

initAll();
