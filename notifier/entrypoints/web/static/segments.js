/* Live SMS segment counter (the page works without it: the count above is the server's). */
(function () {
  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXT = "^{}\\[~]|€";
  function count(text) {
    text = text.replace(/\{%[^]*?%\}/g, "").replace(/\s+/g, " ").trim();
    var odd = [], units = 0;
    for (var ch of text) {
      if (GSM.indexOf(ch) < 0 && EXT.indexOf(ch) < 0 && odd.indexOf(ch) < 0) odd.push(ch);
      units += EXT.indexOf(ch) >= 0 ? 2 : 1;
    }
    var ucs = odd.length > 0;
    if (ucs) units = text.length;
    var single = ucs ? 70 : 160, multi = ucs ? 67 : 153;
    var parts = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / multi));
    return "Getypte tekst: " + units + " tekens, " + parts + " sms-deel/delen (" + (ucs ? "UCS-2" : "GSM-7") + ")" +
      (ucs ? "; " + odd.join(" ") + " dwingt UCS-2 af" : "") + ". Variabelen tellen mee zoals getypt.";
  }
  document.querySelectorAll("textarea[data-segments]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-segments"));
    area.addEventListener("input", function () { out.textContent = count(area.value); });
  });
})();
