import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe("AuthGate", () => {
  it("without a Clerk key, shows the app at once (the server's dev bypass signs in)", async () => {
    vi.stubEnv("VITE_CLERK_PUBLISHABLE_KEY", "");
    const { AuthGate, clerkEnabled } = await import("./AuthGate");
    render(<AuthGate><p>workspace</p></AuthGate>);
    expect(clerkEnabled).toBe(false);
    expect(screen.getByText("workspace")).toBeInTheDocument();
  });

  it("with a Clerk key, shows nothing of the app until Clerk says who is signed in", async () => {
    // A well-formed test key whose Frontend API host is unreachable here, as
    // Clerk is in tests: Clerk never loads, so the gate must stay closed.
    vi.stubEnv("VITE_CLERK_PUBLISHABLE_KEY", `pk_test_${btoa("clerk.ancre.test$")}`);
    const { AuthGate, clerkEnabled } = await import("./AuthGate");
    const { container } = render(<AuthGate><p>workspace</p></AuthGate>);
    expect(clerkEnabled).toBe(true);
    // The gate loads Clerk's script from the key's Frontend API host…
    await waitFor(() => expect(document.querySelector('script[src*="clerk.ancre.test"]')).not.toBeNull());
    // …and until it has signed someone in, the app is not shown.
    expect(screen.queryByText("workspace")).toBeNull();
    expect(container.textContent).toBe("");
  });
});
