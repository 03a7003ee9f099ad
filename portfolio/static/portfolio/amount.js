// Live reading of an amount box in 억원/조원 ("6,000억원" while typing 600000000000), read the
// way portfolio/amounts.py reads it on the server; the server's parse is the one that counts.
(function () {
  "use strict";
  var BIG = { "조": 1000000000000n, "억": 100000000n, "만": 10000n };
  var SMALL = { "천": 1000n, "백": 100n, "십": 10n };
  var TERM = /^((?:\d{1,3}(?:[,\s]\d{3})+|\d+)(?:\.\d+)?)([천백십])?([조억만])?/;
  var UNITS = [[10000000000000000n, "경"], [1000000000000n, "조"], [100000000n, "억"], [10000n, "만"]];
  var NOT_READ = "금액으로 읽을 수 없습니다";

  function grouped(n) {
    return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // Decimal text times a whole multiplier, as whole won; null when not whole.
  function times(text, multiplier) {
    var parts = text.replace(/[,\s]/g, "").split(".");
    var fraction = parts[1] || "";
    var scale = 10n ** BigInt(fraction.length);
    var product = BigInt(parts[0] + fraction) * multiplier;
    return product % scale === 0n ? product / scale : null;
  }

  function parse(text, signed) {
    var body = text.replace(/[\u00a0\u3000]/g, " ").replace(/\s*([조억만천백십원])\s*/g, "$1").trim();
    body = body.replace(/^[₩￦]/, "").trim();
    var negative = /^[-−△▲]/.test(body);
    if (negative) {
      if (!signed) return null;
      body = body.slice(1).trim();
    }
    body = body.replace(/원$/, "");
    if (!body) return null;
    var total = 0n, lastBig = null, match;
    while (body) {
      match = TERM.exec(body);
      if (!match || (lastBig !== null && lastBig <= 1n)) return null;
      var big = match[3] ? BIG[match[3]] : 1n;
      if (lastBig !== null && big >= lastBig) return null;
      var part = times(match[1], (match[2] ? SMALL[match[2]] : 1n) * big);
      if (part === null) return null;
      total += part;
      lastBig = big;
      body = body.slice(match[0].length);
    }
    return negative ? -total : total;
  }

  function korean(amount) {
    if (amount === 0n) return "0원";
    var sign = amount < 0n ? "-" : "", rest = amount < 0n ? -amount : amount, parts = [];
    UNITS.forEach(function (unit) {
      var count = rest / unit[0];
      rest = rest % unit[0];
      if (count) parts.push(grouped(count) + unit[1]);
    });
    if (rest) parts.push(grouped(rest));
    return sign + parts.join(" ") + "원";
  }

  function update(input) {
    var output = input.parentNode.querySelector("output.amount-reading");
    if (!output) return;
    var text = input.value.trim();
    var amount = text ? parse(text, input.dataset.signed === "1") : null;
    output.textContent = !text ? "" : amount === null ? NOT_READ : korean(amount);
    output.classList.toggle("amount-unread", Boolean(text) && amount === null);
  }

  // Delegated, so inline rows the admin adds later read too.
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input.amount-input")) update(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input.amount-input").forEach(update);
  });
})();
