/* Progressive enhancement for the week of free times: preselect the browser's own time
   zone in "Also show times in" when the visitor has not chosen one. Nothing else; the
   page works the same without it. */
(function () {
  "use strict";
  var select = document.getElementById("id_tz");
  if (!select || select.dataset.chosen === "1" || select.value) {
    return;
  }
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || zone === select.dataset.clinicZone) {
    return;
  }
  for (var i = 0; i < select.options.length; i += 1) {
    if (select.options[i].value === zone) {
      select.value = zone;
      return;
    }
  }
})();
