import { describe, expect, it } from "vitest";
import { fill, formatQuantity, periodOf } from "./format";

describe("usage formatting", () => {
  it("colours a quota amber from 80 % and red when full", () => {
    expect(fill(79, 100)).toEqual({ percent: 79, tone: "default" });
    expect(fill(80, 100).tone).toBe("warning");
    expect(fill(100, 100)).toEqual({ percent: 100, tone: "danger" });
    expect(fill(150, 100).percent).toBe(100);
    expect(fill(0, 0).tone).toBe("danger");
  });

  it("shows bytes in binary units and counts with the locale's separators", () => {
    expect(formatQuantity(200 * 1024 * 1024, "bytes", "en-GB")).toBe("200 MB");
    expect(formatQuantity(165958, "bytes", "en-GB")).toBe("162 KB");
    expect(formatQuantity(1.5 * 1024 * 1024, "bytes", "fr-FR")).toBe("1,5 Mo");
    expect(formatQuantity(300000, "tokens", "en-GB")).toBe("300,000");
    expect(formatQuantity(300000, "tokens", "fr-FR")).toMatch(/^300\s000$/);
  });

  it("names UTC calendar months across a year boundary", () => {
    expect(periodOf(new Date("2026-12-31T23:30:00Z"))).toBe("2026-12");
    expect(periodOf(new Date("2026-12-01T00:00:00Z"), 1)).toBe("2027-01");
    expect(periodOf(new Date("2026-03-15T00:00:00Z"), -5)).toBe("2025-10");
  });
});
