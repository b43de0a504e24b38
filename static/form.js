// vigie report form: progressive enhancement only. The form works fully without this file.
// - preselects the browser's time zone when the reporter has not chosen one;
// - shows only the name fields of the chosen kind of reporter;
// - says whether the chosen type of abuse needs a name, and points at the matching
//   PHAROS / Signal Spam notice.
(function () {
  'use strict';

  var form = document.getElementById('report-form');
  if (!form) return;
  document.documentElement.classList.add('js');

  var hasErrors = form.querySelector('.field-error') !== null ||
    document.getElementById('error-summary') !== null;

  // After a refused submission, bring the list of problems into view and focus.
  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();

  // Time zone: only on a fresh form still showing the default, never over a choice.
  var zone = document.getElementById('abuse_zone');
  if (zone && !hasErrors && zone.value === 'UTC') {
    var browserZone = '';
    try {
      browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch (e) {
      browserZone = '';
    }
    if (browserZone && browserZone !== 'UTC') {
      for (var i = 0; i < zone.options.length; i++) {
        if (zone.options[i].value === browserZone) {
          zone.selectedIndex = i;
          break;
        }
      }
    }
  }

  // Name fields by kind of reporter.
  var radios = form.querySelectorAll('input[name="reporter_kind"]');
  var groups = form.querySelectorAll('.name-group[data-kind]');

  function chosenKind() {
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].checked) return radios[i].value;
    }
    return '';
  }

  function showNameGroups() {
    var kind = chosenKind();
    for (var i = 0; i < groups.length; i++) {
      var group = groups[i];
      var keep = kind === '' || group.getAttribute('data-kind') === kind ||
        group.querySelector('.field-error') !== null;
      group.hidden = !keep;
    }
  }

  for (var r = 0; r < radios.length; r++) radios[r].addEventListener('change', showNameGroups);
  showNameGroups();

  // What the chosen type of abuse implies.
  var type = document.getElementById('abuse_type');
  var status = document.getElementById('name-status');
  var pharos = document.getElementById('elsewhere-pharos');
  var signalSpam = document.getElementById('elsewhere-signal-spam');
  var csamNote = document.getElementById('csam-note');

  function toggle(element, on) {
    if (element) element.classList.toggle('is-relevant', on);
  }

  function describeType() {
    if (!type) return;
    var option = type.options[type.selectedIndex];
    var id = option ? option.value : '';
    var anonymous = id === 'child_sexual_abuse';
    toggle(pharos, !!option && option.hasAttribute('data-pharos'));
    toggle(signalSpam, !!option && option.hasAttribute('data-signal-spam'));
    toggle(csamNote, anonymous);
    if (!status) return;
    if (!id) {
      status.hidden = true;
      status.textContent = '';
      return;
    }
    var key = anonymous ? 'data-anonymous'
      : option.hasAttribute('data-name-required') ? 'data-required' : 'data-optional';
    status.textContent = status.getAttribute(key) || '';
    status.hidden = status.textContent === '';
  }

  if (type) type.addEventListener('change', describeType);
  describeType();
})();
