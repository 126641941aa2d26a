// baocao review: accept / correct / reject values in the page, keep the decisions in this browser
// (localStorage) and save them all as corrections.csv for `baocao run`. No network, no server.
"use strict";

(function () {
  const settings = JSON.parse(document.getElementById("settings").textContent);
  const values = JSON.parse(document.getElementById("values").textContent);
  const columns = settings.columns;

  function keyOf(d) {
    return [d.document_id, d.kpi, d.scope, d.level || "", d.page, d.extracted_value].join("|");
  }

  function loadEdits() {
    try {
      return JSON.parse(window.localStorage.getItem(settings.store) || "{}");
    } catch (err) {
      return {};
    }
  }

  function saveEdits(edits) {
    window.localStorage.setItem(settings.store, JSON.stringify(edits));
  }

  // The decisions of the corrections file, then this browser's edits over them.
  function allDecisions() {
    const merged = new Map();
    for (const d of settings.decisions) merged.set(keyOf(d), d);
    for (const [key, d] of Object.entries(loadEdits())) merged.set(key, d);
    return merged;
  }

  // "30.704" (Vietnamese thousands) -> 30704, "80,6" -> 80.6, "1 234" -> 1234.
  function parseNumber(text) {
    let t = text.replace(/\s+/g, "");
    if (/^\d{1,3}(\.\d{3})+$/.test(t)) t = t.replace(/\./g, "");
    t = t.replace(",", ".");
    if (!/^\d+(\.\d+)?$/.test(t)) return null;
    return t;
  }

  function csvField(value) {
    const s = value === null || value === undefined ? "" : String(value);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function correctionsCsv() {
    const lines = [columns.join(",")];
    for (const d of allDecisions().values()) lines.push(columns.map((c) => csvField(d[c])).join(","));
    return lines.join("\r\n") + "\r\n";
  }

  // Edits that the corrections file now holds (saved and applied since) are no longer pending.
  function forgetSavedEdits() {
    const inFile = new Map(settings.decisions.map((d) => [keyOf(d), d]));
    const edits = loadEdits();
    for (const [key, d] of Object.entries(edits)) {
      const saved = inFile.get(key);
      if (saved && saved.action === d.action && String(saved.value) === String(d.value)) delete edits[key];
    }
    saveEdits(edits);
  }

  function show() {
    const decisions = allDecisions();
    const edits = loadEdits();
    document.querySelectorAll("tr.value").forEach((row) => {
      const i = Number(row.dataset.value);
      const d = decisions.get(keyOf(values[i]));
      const label = row.querySelector(".decision");
      row.classList.remove("accepted", "rejected", "corrected");
      label.textContent = "";
      if (d) {
        row.classList.add(d.action === "correct" ? "corrected" : d.action + "ed");
        label.textContent =
          (d.action === "correct" ? "corrected to " + d.value : d.action + "ed") +
          (keyOf(values[i]) in edits ? " (not saved yet)" : " (in corrections file)");
      }
      document.querySelectorAll('rect.box[data-value="' + i + '"]').forEach((box) => {
        box.classList.toggle("decided", Boolean(d));
      });
    });
    const pending = document.getElementById("pending");
    const n = Object.keys(edits).length;
    pending.textContent = n ? n + " decision(s) in this browser, not yet saved" : "";
  }

  function decide(i, action, value) {
    const v = values[i];
    const edits = loadEdits();
    edits[keyOf(v)] = {
      document_id: v.document_id,
      kpi: v.kpi,
      scope: v.scope,
      level: v.level || "",
      page: v.page,
      action: action,
      value: value || "",
      extracted_value: v.extracted_value,
      note: "",
    };
    saveEdits(edits);
    show();
  }

  function select(i) {
    document.querySelectorAll(".selected").forEach((el) => el.classList.remove("selected"));
    document.querySelectorAll('[data-value="' + i + '"]').forEach((el) => el.classList.add("selected"));
  }

  document.querySelectorAll("tr.value").forEach((row) => {
    const i = Number(row.dataset.value);
    row.addEventListener("mouseenter", () => select(i));
    row.querySelector("button.accept").addEventListener("click", () => decide(i, "accept"));
    row.querySelector("button.reject").addEventListener("click", () => decide(i, "reject"));
    row.querySelector("button.correct").addEventListener("click", () => {
      const input = row.querySelector("input.fix");
      const number = parseNumber(input.value);
      if (number === null) {
        row.querySelector(".decision").textContent = "type the right number first, e.g. 30704 or 80.6";
        return;
      }
      decide(i, "correct", number);
    });
  });
  document.querySelectorAll("rect.box").forEach((box) => {
    box.addEventListener("click", () => {
      const i = box.dataset.value;
      select(i);
      const row = document.querySelector('tr.value[data-value="' + i + '"]');
      if (row) row.scrollIntoView({ block: "nearest" });
    });
  });

  document.getElementById("save").addEventListener("click", () => {
    const blob = new Blob([correctionsCsv()], { type: "text/csv;charset=utf-8" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "corrections.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  forgetSavedEdits();
  show();
})();
