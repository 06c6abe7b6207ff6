// Camera scanning on the card verification page, with the browser's own BarcodeDetector (no library, no CDN).
// Where the browser has none, the button stays hidden and the text box is used (a USB scanner types into it).
(function () {
  "use strict";
  var button = document.getElementById("scan-start");
  var video = document.getElementById("scan-video");
  var form = document.getElementById("verify-form");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); };
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stop();
            form.elements.token.value = codes[0].rawValue;
            form.submit();
          } else {
            window.requestAnimationFrame(tick);
          }
        }).catch(function () { window.requestAnimationFrame(tick); });
      };
      tick();
    }).catch(function () { button.hidden = true; });
  });
})();
