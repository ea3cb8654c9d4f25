import { describe, expect, it } from "vitest";
import { en } from "./en";
import { fr } from "./fr";
import { detectLanguage, translate } from "./index";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("catalogues", () => {
  it("French has every English key, none empty, with the same placeholders", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(fr[key], key).toBeTruthy();
      expect(placeholders(fr[key]), key).toEqual(placeholders(en[key]));
    }
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(translate("fr", "common.range", { from: 1, to: 50, total: 120 })).toBe("1–50 sur 120");
    expect(translate("en", "documents.pageN")).toBe("page {page}");
  });
});

describe("detectLanguage", () => {
  it("takes the first preferred language we speak", () => {
    expect(detectLanguage(["fr-CA", "en"])).toBe("fr");
    expect(detectLanguage(["de-DE", "en-US"])).toBe("en");
    expect(detectLanguage(["de-DE"])).toBe("en");
    expect(detectLanguage([])).toBe("en");
  });
});
