// Numbers that stay: an entry keeps the number it was first shown with, also after a delete
// before it (the next new entry gets the next free number), and after a reload on this device.
// And the entries this device sent ("van u"), so a participant sees what became of them.

const MAX_KEPT = 2000;

function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    return null;
  }
}

function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or off: the numbers still hold while the page is open
  }
}

/** id → number for one table, kept per link on this device. */
export class EntryNumbers {
  constructor(scope, storageKey = null) {
    this.key = storageKey || `facilitator:numbers:${scope}`;
    const kept = load(this.key);
    this.numbers = new Map(kept && Array.isArray(kept.numbers) ? kept.numbers : []);
    this.next = Math.max(0, ...this.numbers.values()) + 1;
  }

  /** The entries with a `number` each; new ones are numbered in list order. */
  apply(entries) {
    let added = false;
    const out = entries.map((entry) => {
      if (!this.numbers.has(entry.id)) {
        this.numbers.set(entry.id, this.next++);
        added = true;
      }
      return { ...entry, number: this.numbers.get(entry.id) };
    });
    if (added) {
      const all = [...this.numbers].slice(-MAX_KEPT);
      save(this.key, { numbers: all });
    }
    return out;
  }

  numberOf(id) {
    return this.numbers.get(id) ?? null;
  }
}

/** The ids of the entries this device added to a table. */
export class MyEntries {
  constructor(scope) {
    this.key = `facilitator:mine:${scope}`;
    const kept = load(this.key);
    this.ids = new Set(Array.isArray(kept) ? kept : []);
  }

  add(id) {
    this.ids.add(id);
    save(this.key, [...this.ids].slice(-MAX_KEPT));
  }

  has(id) {
    return this.ids.has(id);
  }
}
