// Coverage ("dekking"): per table, which bol × horizon combinations have entries, and the gaps.
// A table at the meeting asked for exactly this checklist. Computed from the entries the
// screen shows (hidden entries do not count); an entry in an overlap counts for each of its
// bollen, and for each of its horizons.

/** The checklist of one table's entries: cells "bol|horizon" → count, plus totals. */
export function coverage(template, entries) {
  const bollen = template.bollen || [];
  const horizons = template.horizons || [];
  const cells = new Map();
  for (const b of bollen) for (const h of horizons) cells.set(`${b.key}|${h.key}`, 0);
  const perBol = new Map(bollen.map((b) => [b.key, 0]));
  let noHorizon = 0;
  for (const entry of entries) {
    const hs = (entry.horizons || []).filter((k) => horizons.some((h) => h.key === k));
    if (!hs.length) noHorizon += 1;
    for (const b of entry.bollen || []) {
      if (!perBol.has(b)) continue;
      perBol.set(b, perBol.get(b) + 1);
      for (const h of hs) cells.set(`${b}|${h}`, cells.get(`${b}|${h}`) + 1);
    }
  }
  const total = cells.size;
  const filled = [...cells.values()].filter((c) => c > 0).length;
  return { cells, perBol, noHorizon, filled, total, entries: entries.length };
}

/** Combinations no table has filled in: [{bol, horizon}] (labels), in template order. */
export function emptyEverywhere(template, results) {
  const out = [];
  for (const b of template.bollen || []) {
    for (const h of template.horizons || []) {
      const key = `${b.key}|${h.key}`;
      if (results.every((r) => !r.cells.get(key))) out.push({ bol: b.label, horizon: h.label });
    }
  }
  return out;
}
