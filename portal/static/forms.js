// Checks a chosen file against the size the page says beside it (data-max-bytes), before it is sent: where the
// browser can tell, the person hears at once rather than after a long upload. Without this script the server
// refuses the file all the same (413). Loaded from its own file: the Content-Security-Policy forbids inline
// scripts.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) {
    return;
  }
  var file = input.files && input.files[0];
  var tooLarge = Boolean(file) && file.size > Number(input.dataset.maxBytes);
  input.setCustomValidity(tooLarge ? input.dataset.tooLarge : "");
  if (tooLarge) {
    input.reportValidity();
  }
});
