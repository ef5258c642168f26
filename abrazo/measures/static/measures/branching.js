/* REDCap branching logic in the browser: the entry form and the survey hide a question while its
   "show only if" logic is false, and show it again as soon as the answers make it true.

   Progressive enhancement only. Without this file every question shows, and the server (measures/branching.py,
   administrations.shown_items) still drops what a hidden question held. The server sends each question's logic
   already parsed, as the JSON tree of branching.to_json(), in data-branching; this file only evaluates it, and
   does so by the same rules as branching.py (a blank answer is "", two values that both look like numbers
   compare as numbers and anything else as text, a blank side never orders, [field(code)] is "1" or "0"), so
   that what the person sees hidden is exactly what the server will ignore.

   A hidden question gets the hidden attribute (out of sight and out of the accessibility tree) and its
   inputs are disabled, so the browser does not send them: the server receives a blank, as it would drop
   the answer anyway. An input the page had disabled itself is left disabled when the question shows again.
*/
(function () {
  "use strict";

  // --- values, as branching.py reads them --------------------------------------------------------------

  // The characters Python's str.isspace() (and so re's \s, str.strip() and float()) counts as whitespace.
  var SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var STRIP = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");
  // branching._NUMERIC; Python's \d is any Unicode decimal digit, and float() reads them all.
  var NUMERIC = new RegExp(
    "^[" + SPACE + "]*[-+]?(?:\\p{Nd}+\\.?\\p{Nd}*|\\.\\p{Nd}+)(?:[eE][-+]?\\p{Nd}+)?[" + SPACE + "]*$", "u");
  var DIGIT = /\p{Nd}/u;
  var NON_ASCII_DIGIT = /(?![0-9])\p{Nd}/gu;

  function strip(text) {
    return text.replace(STRIP, "");
  }

  // Unicode keeps every set of decimal digits as ten consecutive code points from zero to nine, so a digit's
  // value is its distance from the start of its run, modulo ten.
  function asciiDigits(text) {
    return text.replace(NON_ASCII_DIGIT, function (digit) {
      var point = digit.codePointAt(0);
      var start = point;
      while (DIGIT.test(String.fromCodePoint(start - 1))) {
        start -= 1;
      }
      return String((point - start) % 10);
    });
  }

  // Close to Python's str.casefold(): upper then lower case folds "ß" to "ss" as casefold does.
  function casefold(text) {
    return text.toUpperCase().toLowerCase();
  }

  // Python compares text by code point; JavaScript's < compares UTF-16 units, which differs past U+FFFF.
  function compareText(a, b) {
    if (a === b) {
      return 0;
    }
    var left = Array.from(a);
    var right = Array.from(b);
    var length = Math.min(left.length, right.length);
    for (var index = 0; index < length; index += 1) {
      var difference = left[index].codePointAt(0) - right[index].codePointAt(0);
      if (difference !== 0) {
        return difference < 0 ? -1 : 1;
      }
    }
    return left.length === right.length ? 0 : left.length < right.length ? -1 : 1;
  }

  // repr() of a float that is not a whole number below 1e15: the shortest digits that read back as the same
  // number (JavaScript finds the same ones), laid out as Python lays them out.
  function pythonRepr(number) {
    if (number === Infinity) {
      return "inf";
    }
    if (number === -Infinity) {
      return "-inf";
    }
    var sign = number < 0 || Object.is(number, -0) ? "-" : "";
    var parts = Math.abs(number).toExponential().split("e");
    var digits = parts[0].replace(".", "");
    var exponent = Number(parts[1]);
    var point = exponent + 1; // digits stand for 0.DIGITS x 10^point
    if (exponent < -4 || exponent >= 16) {
      var mantissa = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
      var power = String(Math.abs(exponent));
      return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (power.length < 2 ? "0" + power : power);
    }
    if (point <= 0) {
      return sign + "0." + "0".repeat(-point) + digits;
    }
    if (point >= digits.length) {
      return sign + digits + "0".repeat(point - digits.length) + ".0";
    }
    return sign + digits.slice(0, point) + "." + digits.slice(point);
  }

  // Values are what branching.Value is: text (string), a float (number) or a truth (boolean).
  function asNumber(value) {
    if (typeof value === "boolean") {
      return value ? 1 : 0;
    }
    if (typeof value === "number") {
      return Number.isNaN(value) ? null : value;
    }
    if (NUMERIC.test(value)) {
      return Number(asciiDigits(strip(value)));
    }
    return null;
  }

  function asText(value) {
    if (typeof value === "boolean") {
      return value ? "1" : "0";
    }
    if (typeof value === "number") {
      if (Number.isNaN(value)) {
        return "";
      }
      return Number.isInteger(value) && Math.abs(value) < 1e15 ? String(value) : pythonRepr(value);
    }
    return value;
  }

  function truthy(value) {
    if (typeof value === "boolean") {
      return value;
    }
    var number = asNumber(value);
    if (number !== null) {
      return number !== 0;
    }
    return asText(value) !== "";
  }

  function compare(op, left, right) {
    var a = asNumber(left);
    var b = asNumber(right);
    var order;
    if (a !== null && b !== null) {
      order = a < b ? -1 : a > b ? 1 : 0;
    } else {
      a = asText(left);
      b = asText(right);
      if (op !== "=" && op !== "<>" && (a === "" || b === "")) {
        return false;
      }
      order = compareText(a, b);
    }
    switch (op) {
      case "=": return order === 0;
      case "<>": return order !== 0;
      case "<": return order < 0;
      case ">": return order > 0;
      case "<=": return order <= 0;
      default: return order >= 0;
    }
  }

  // Python's float ** float: what raises there (overflow, zero to a negative power) or gives a complex
  // number (a negative base to a fractional power) is blank, as branching._arithmetic makes it.
  function power(a, b) {
    if (a === 1 || (a === -1 && !Number.isFinite(b))) {
      return 1;
    }
    if (a < 0 && Number.isFinite(a) && Number.isFinite(b) && !Number.isInteger(b)) {
      return "";
    }
    if (a === 0 && b < 0 && Number.isFinite(b)) {
      return "";
    }
    var result = Math.pow(a, b);
    if (!Number.isFinite(result) && Number.isFinite(a) && Number.isFinite(b)) {
      return "";
    }
    return result;
  }

  function arithmetic(op, left, right) {
    var a = asNumber(left);
    var b = asNumber(right);
    if (a === null || b === null) {
      return "";
    }
    switch (op) {
      case "+": return a + b;
      case "-": return a - b;
      case "*": return a * b;
      case "/": return b === 0 ? "" : a / b;
      default: return power(a, b);
    }
  }

  function sortedCodes(codes) {
    return Array.from(new Set(codes)).sort(compareText);
  }

  // answers: a Map of item key -> text, or an array of ticked codes for a checkbox.
  function lookup(node, answers) {
    var field = node[1];
    if (field === "event-name") {
      var event = answers.has("event-name") ? answers.get("event-name") : answers.has("redcap_event_name")
        ? answers.get("redcap_event_name") : "";
      return typeof event === "string" ? event : "";
    }
    var value = answers.get(field);
    if (node.length > 2) {
      var code = node[2];
      if (Array.isArray(value)) {
        return value.indexOf(code) >= 0 ? "1" : "0";
      }
      var folded = field + "___" + casefold(code);
      var flat = answers.has(folded) ? answers.get(folded) : answers.get(field + "___" + code);
      return typeof flat === "string" && strip(flat) === "1" ? "1" : "0";
    }
    if (value === undefined) {
      return "";
    }
    return Array.isArray(value) ? sortedCodes(value).join(",") : value;
  }

  // Python's math.fsum (Shewchuk's exact partial sums), so that a sum compares as the server's does.
  function fsum(numbers) {
    var partials = [];
    var special = 0;
    var infinities = 0;
    numbers.forEach(function (number) {
      var x = number;
      var kept = 0;
      for (var index = 0; index < partials.length; index += 1) {
        var y = partials[index];
        if (Math.abs(x) < Math.abs(y)) {
          var swap = x;
          x = y;
          y = swap;
        }
        var high = x + y;
        var low = y - (high - x);
        if (low !== 0) {
          partials[kept] = low;
          kept += 1;
        }
        x = high;
      }
      partials.length = kept;
      if (x !== 0) {
        if (!Number.isFinite(x)) {
          if (Number.isFinite(number)) {
            throw new RangeError("intermediate overflow in fsum");
          }
          if (!Number.isNaN(number)) {
            infinities += number;
          }
          special += number;
          partials.length = 0;
        } else {
          partials.push(x);
        }
      }
    });
    if (special !== 0) {
      if (Number.isNaN(infinities)) {
        throw new RangeError("-inf + inf in fsum");
      }
      return special;
    }
    var count = partials.length;
    var high = 0;
    var low = 0;
    if (count > 0) {
      count -= 1;
      high = partials[count];
      while (count > 0) {
        var x = high;
        count -= 1;
        var y = partials[count];
        high = x + y;
        low = y - (high - x);
        if (low !== 0) {
          break;
        }
      }
      if (count > 0 && ((low < 0 && partials[count - 1] < 0) || (low > 0 && partials[count - 1] > 0))) {
        var twice = low * 2;
        var sum = high + twice;
        if (twice === sum - high) {
          high = sum;
        }
      }
    }
    return high;
  }

  // Python's math.floor and math.ceil return integers, so an infinite argument raises there.
  function whole(how, number) {
    if (!Number.isFinite(number)) {
      throw new RangeError("cannot round an infinite number");
    }
    return how(number);
  }

  function copysign(magnitude, sign) {
    return sign < 0 || Object.is(sign, -0) ? -Math.abs(magnitude) : Math.abs(magnitude);
  }

  var UNIT_SECONDS = { y: 365.2425 * 86400, M: 30.44 * 86400, d: 86400, h: 3600, m: 60, s: 1 };
  // The regular expressions Python's strptime builds for the formats branching._DATE_FORMATS lists; like
  // strptime, the first match must use the whole text (no backtracking into a longer one).
  var D = "\\p{Nd}";
  var DATE_PART = "(" + D + D + D + D + ")-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]" + D + "|0[1-9]|[1-9]| [1-9])";
  var TIME_GAP = "[" + SPACE + "]+";
  var HOUR = "(2[0-3]|[0-1]" + D + "|" + D + ")";
  var MINUTE = "([0-5]" + D + "|" + D + ")";
  var SECOND = "(6[0-1]|[0-5]" + D + "|" + D + ")";
  var DATE_FORMATS = [
    new RegExp(DATE_PART + TIME_GAP + HOUR + ":" + MINUTE + ":" + SECOND, "uy"),
    new RegExp(DATE_PART + TIME_GAP + HOUR + ":" + MINUTE, "uy"),
    new RegExp(DATE_PART, "uy")
  ];

  // A naive date and time as milliseconds, its parts read as if in UTC (Python's naive datetimes have no
  // daylight saving either); null when the parts are not a real date.
  function naive(year, month, day, hour, minute, second, millisecond) {
    if (year < 1 || second > 59) {
      return null;
    }
    var moment = new Date(0);
    moment.setUTCFullYear(year, month - 1, day);
    moment.setUTCHours(hour, minute, second, millisecond);
    if (moment.getUTCMonth() !== month - 1 || moment.getUTCDate() !== day) {
      return null;
    }
    return moment.getTime();
  }

  function now() {
    var clock = new Date();
    return naive(clock.getFullYear(), clock.getMonth() + 1, clock.getDate(), clock.getHours(),
      clock.getMinutes(), clock.getSeconds(), clock.getMilliseconds());
  }

  function asDate(value, today) {
    var text = strip(asText(value));
    var folded = casefold(text);
    if (folded === "today" || folded === "now") {
      return today;
    }
    for (var index = 0; index < DATE_FORMATS.length; index += 1) {
      var format = DATE_FORMATS[index];
      format.lastIndex = 0;
      var found = format.exec(text);
      if (!found || found[0].length !== text.length) {
        continue;
      }
      var parts = found.slice(1).map(function (part) {
        return Number(strip(asciiDigits(part)));
      });
      var moment = naive(parts[0], parts[1], parts[2], parts[3] || 0, parts[4] || 0, parts[5] || 0, 0);
      if (moment !== null) {
        return moment;
      }
    }
    return null;
  }

  function call(node, answers, today) {
    var name = node[1];
    var args = node.slice(2);
    if (name === "if") {
      var chosen = truthy(evaluateValue(args[0], answers, today)) ? args[1] : args[2];
      return evaluateValue(chosen, answers, today);
    }
    var values = args.map(function (arg) {
      return evaluateValue(arg, answers, today);
    });
    if (name === "datediff") {
      var start = asDate(values[0], today);
      var end = asDate(values[1], today);
      var unit = strip(asText(values[2]));
      if (start === null || end === null || !Object.prototype.hasOwnProperty.call(UNIT_SECONDS, unit)) {
        return "";
      }
      var signed = values.length === 5 && truthy(values[4]);
      var difference = (end - start) / 1000 / UNIT_SECONDS[unit];
      return signed ? difference : Math.abs(difference);
    }
    if (name === "contains") {
      return casefold(asText(values[0])).indexOf(casefold(asText(values[1]))) >= 0;
    }
    if (name === "isnumber") {
      return asNumber(values[0]) !== null;
    }
    if (name === "sum" || name === "mean" || name === "min" || name === "max") {
      var numbers = values.map(asNumber).filter(function (number) {
        return number !== null;
      });
      if (numbers.length === 0) {
        return "";
      }
      if (name === "sum") {
        return fsum(numbers);
      }
      if (name === "mean") {
        return fsum(numbers) / numbers.length;
      }
      // Python's min() and max() keep the first of equal values (0 before -0).
      return numbers.reduce(function (best, number) {
        return (name === "min" ? number < best : number > best) ? number : best;
      });
    }
    var number = asNumber(values[0]);
    if (number === null) {
      return "";
    }
    if (name === "abs") {
      return Math.abs(number);
    }
    if (name === "sqrt") {
      return number < 0 ? "" : Math.sqrt(number);
    }
    var placesValue = values.length > 1 ? asNumber(values[1]) : 0;
    if (placesValue !== null && !Number.isFinite(placesValue)) {
      throw new RangeError("cannot round to infinitely many places");
    }
    var places = Math.trunc(placesValue || 0);
    // 10.0 ** places, correctly rounded as the C library's pow gives it.
    var factor = Number("1e" + places);
    if (!Number.isFinite(factor) || factor === 0) {
      throw new RangeError("rounding places out of range");
    }
    var scaled = number * factor;
    var rounded;
    if (name === "round") {
      // half away from zero, as REDCap (JavaScript's habit for positive halves, mirrored for negatives)
      rounded = copysign(whole(Math.floor, Math.abs(scaled) + 0.5), scaled);
    } else if (name === "roundup") {
      rounded = copysign(whole(Math.ceil, Math.abs(scaled)), scaled);
    } else {
      rounded = copysign(whole(Math.floor, Math.abs(scaled)), scaled);
    }
    return rounded / factor;
  }

  var COMPARISONS = { "=": true, "<>": true, "<": true, ">": true, "<=": true, ">=": true };
  var ARITHMETIC = { "+": true, "-": true, "*": true, "/": true, "^": true };

  function evaluateValue(node, answers, today) {
    var kind = node[0];
    if (kind === "num") {
      return Number(node[1]);
    }
    if (kind === "str") {
      return node[1];
    }
    if (kind === "ref") {
      return lookup(node, answers);
    }
    if (kind === "neg") {
      var number = asNumber(evaluateValue(node[1], answers, today));
      return number === null ? "" : -number;
    }
    if (kind === "and" || kind === "or") {
      var operands = node.slice(1);
      var test = function (child) {
        return truthy(evaluateValue(child, answers, today));
      };
      return kind === "and" ? operands.every(test) : operands.some(test);
    }
    if (COMPARISONS[kind] === true || ARITHMETIC[kind] === true) {
      var left = evaluateValue(node[1], answers, today);
      var right = evaluateValue(node[2], answers, today);
      return COMPARISONS[kind] === true ? compare(kind, left, right) : arithmetic(kind, left, right);
    }
    if (kind === "call") {
      return call(node, answers, today);
    }
    throw new TypeError("unknown branching node " + kind);
  }

  // Whether the question shows. `today` (milliseconds of a naive date and time, read as UTC) is for tests.
  function evaluate(tree, answers, today) {
    return truthy(evaluateValue(tree, answers, today === undefined ? now() : today));
  }

  // administrations.shown_items: an answer to a hidden question cannot show another question, so
  // visibility is worked out again without hidden answers until nothing changes. Logic that cannot be
  // evaluated shows the question (the safe side, as on the server).
  function shownItems(items, answers, today) {
    var shown = new Set(items.map(function (item) {
      return item.key;
    }));
    for (var round = 0; round <= items.length; round += 1) {
      var visible = new Map();
      answers.forEach(function (value, key) {
        if (shown.has(key)) {
          visible.set(key, value);
        }
      });
      var nowShown = new Set();
      items.forEach(function (item) {
        var show = true;
        if (item.tree !== null) {
          try {
            show = evaluate(item.tree, visible, today);
          } catch (error) {
            show = true;
          }
        }
        if (show) {
          nowShown.add(item.key);
        }
      });
      var same = nowShown.size === shown.size && Array.from(nowShown).every(function (key) {
        return shown.has(key);
      });
      if (same) {
        break;
      }
      shown = nowShown;
    }
    return shown;
  }

  // --- the page --------------------------------------------------------------------------------------

  var CONTROLS = "input, select, textarea, button";

  // What the form will send for one question, in the shape administrations._branching_answers makes:
  // ticked codes for checkboxes, the chosen code or "" for radios and lists, stripped text otherwise.
  function answerOf(element) {
    var controls = Array.from(element.querySelectorAll("input, select, textarea")).filter(function (control) {
      return control.name && control.type !== "hidden";
    });
    if (controls.length === 0) {
      return undefined;
    }
    if (controls[0].type === "checkbox") {
      return controls.filter(function (box) {
        return box.checked;
      }).map(function (box) {
        return box.value;
      });
    }
    if (controls[0].type === "radio") {
      var chosen = controls.filter(function (radio) {
        return radio.checked;
      })[0];
      return chosen ? strip(chosen.value) : "";
    }
    return strip(controls[0].value);
  }

  function setHidden(element, hide) {
    if (element.hidden === hide && element.hasAttribute("data-branching-seen")) {
      return;
    }
    element.setAttribute("data-branching-seen", "");
    element.hidden = hide;
    // The hidden attribute loses to a stylesheet's display (the phone layout shows matrix rows as blocks).
    element.style.display = hide ? "none" : "";
    element.querySelectorAll(CONTROLS).forEach(function (control) {
      if (hide && !control.disabled) {
        control.disabled = true;
        control.setAttribute("data-branching-disabled", "");
      } else if (!hide && control.hasAttribute("data-branching-disabled")) {
        control.disabled = false;
        control.removeAttribute("data-branching-disabled");
      }
    });
  }

  function readTree(element) {
    var text = element.getAttribute("data-branching");
    if (!text) {
      return null;
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      return null; // unreadable: the question shows, as the server shows it
    }
  }

  function enhance(root) {
    var elements = Array.from(root.querySelectorAll("[data-branching-item]"));
    var items = elements.map(function (element) {
      return { key: element.getAttribute("data-branching-item"), tree: readTree(element), element: element };
    });
    if (!items.some(function (item) {
      return item.tree !== null;
    })) {
      return; // no logic on this form: leave it as the server drew it
    }
    // A section header hides when every question under it is hidden; so does a matrix's frame.
    var groups = [];
    var current = null;
    root.querySelectorAll("[data-branching-item], [data-branching-section]").forEach(function (element) {
      if (element.hasAttribute("data-branching-section")) {
        current = { element: element, members: [] };
        groups.push(current);
      } else if (current !== null) {
        current.members.push(element);
      }
    });
    root.querySelectorAll("[data-branching-matrix]").forEach(function (element) {
      groups.push({ element: element, members: Array.from(element.querySelectorAll("[data-branching-item]")) });
    });

    function update() {
      var answers = new Map();
      items.forEach(function (item) {
        var answer = answerOf(item.element);
        if (answer !== undefined) {
          answers.set(item.key, answer);
        }
      });
      var shown = shownItems(items, answers);
      items.forEach(function (item) {
        setHidden(item.element, !shown.has(item.key));
      });
      groups.forEach(function (group) {
        var empty = group.members.length > 0 && group.members.every(function (member) {
          return member.hidden;
        });
        if (empty !== group.element.hidden) {
          group.element.hidden = empty;
          group.element.style.display = empty ? "none" : "";
        }
      });
    }

    root.addEventListener("input", update);
    root.addEventListener("change", update);
    update();
  }

  window.AbrazoBranching = {
    asText: asText,
    evaluate: evaluate,
    evaluateValue: evaluateValue,
    shownItems: shownItems
  };

  function start() {
    var forms = new Set();
    document.querySelectorAll("[data-branching-item]").forEach(function (element) {
      forms.add(element.closest("form") || document.body);
    });
    forms.forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
