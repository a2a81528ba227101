// GOV.UK Frontend's own check: style for JavaScript only where its modules can run.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
