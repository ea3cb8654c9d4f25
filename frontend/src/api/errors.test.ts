import { describe, expect, it } from "vitest";
import { translate } from "@/i18n";
import { ApiError, problemFrom } from "./client";
import { describeError } from "./errors";

const en = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate("en", key, vars);
const fr = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate("fr", key, vars);

const monthly = new ApiError({
  type: "https://ancre.dev/problems/quota-exceeded",
  title: "Quota exceeded",
  status: 429,
  detail: "the free plan's messages_per_month quota is reached",
  quota: "messages_per_month",
  plan: "free",
  limit: 300,
  used: 300,
  resets_at: "2027-01-01T00:00:00Z",
});

describe("describeError", () => {
  it("says which monthly quota is reached, how much, and when it resets", () => {
    const { message, detail } = describeError(monthly, en, "en-GB");
    expect(message).toBe(
      "Your Free plan's limit on messages this month is reached (300 of 300). It resets on 1 January 2027; upgrade to Pro for more.",
    );
    expect(detail).toContain("messages_per_month");
  });

  it("says it in French too", () => {
    expect(describeError(monthly, fr, "fr-FR").message).toBe(
      "La limite de votre offre Free sur les messages de ce mois-ci est atteinte (300 sur 300). Elle se renouvelle le 1 janvier 2027 ; passez à l’offre Pro pour en avoir plus.",
    );
  });

  it("asks to delete or upgrade when a balance (documents, storage) is full", () => {
    const full = new ApiError({ ...monthly.problem, status: 402, quota: "documents", limit: 100, used: 100, resets_at: null });
    expect(describeError(full, en, "en-GB").message).toBe(
      "Your Free plan's limit on documents is reached (100 of 100). Delete some, or upgrade to Pro.",
    );
  });

  it("keeps the server's detail for validation errors", () => {
    const invalid = new ApiError(problemFrom(422, JSON.stringify({ type: "x/validation", title: "Invalid input", status: 422, detail: "name: empty" })));
    expect(describeError(invalid, en, "en-GB")).toEqual({ message: "Something in the request is not valid.", detail: "name: empty" });
  });

  it("explains a dropped connection and a non-JSON error page", () => {
    expect(describeError(new ApiError(problemFrom(0, "TypeError")), en, "en-GB").message).toMatch(/cannot be reached/);
    const proxy = new ApiError(problemFrom(502, "<html>Bad gateway</html>"));
    expect(proxy.problem.title).toBe("HTTP 502");
    expect(describeError(proxy, en, "en-GB").message).toMatch(/went wrong on our side/);
  });
});
