/* Scan a card's QR code with the camera, where the browser can read QR codes itself
   (the BarcodeDetector API). A progressive enhancement: without it, or without a camera,
   the page keeps its paste and upload fields and this script does nothing. */
(function () {
  "use strict";
  var box = document.querySelector("[data-qr-scan]");
  if (!box || !("BarcodeDetector" in window) || !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var form = document.querySelector("[data-qr-scan-form]");
  var field = form && form.querySelector("textarea[name=payload]");
  var start = box.querySelector("[data-qr-scan-start]");
  var stop = box.querySelector("[data-qr-scan-stop]");
  var video = box.querySelector("[data-qr-scan-video]");
  var status = box.querySelector("[data-qr-scan-status]");
  if (!field || !start || !stop || !video || !status) {
    return;
  }
  var stream = null;
  var timer = null;

  function halt() {
    if (timer) { window.clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") === -1) { return; }
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    box.hidden = false;

    function look() {
      detector.detect(video).then(function (codes) {
        var found = codes.filter(function (c) { return c.rawValue; })[0];
        if (found) {
          field.value = found.rawValue;
          status.textContent = box.dataset.found || "QR code read. Give the reason and press Check.";
          halt();
          var reason = form.querySelector("[name=reason]");
          if (reason) { reason.focus(); }
          return;
        }
        timer = window.setTimeout(look, 250);
      }).catch(function () { timer = window.setTimeout(look, 500); });
    }

    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.hidden = false;
          stop.hidden = false;
          start.hidden = true;
          status.textContent = box.dataset.looking || "Hold the QR code in front of the camera.";
          return video.play().then(look);
        })
        .catch(function () {
          status.textContent = box.dataset.denied ||
            "The camera cannot be used. Upload a photo of the card or paste the QR text instead.";
          halt();
        });
    });
    stop.addEventListener("click", halt);
  });
})();
