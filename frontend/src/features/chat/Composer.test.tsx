import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { I18nProvider } from "@/i18n";
import { Composer } from "./Composer";

function setup(streaming = false) {
  const onSend = vi.fn();
  const onStop = vi.fn();
  render(
    <I18nProvider lang="en">
      <Composer streaming={streaming} onSend={onSend} onStop={onStop} />
    </I18nProvider>,
  );
  return { onSend, onStop, box: screen.getByLabelText("Your question") };
}

describe("Composer", () => {
  it("sends on Enter and clears the box; Shift+Enter breaks the line", async () => {
    const { onSend, box } = setup();
    await userEvent.type(box, "first line{Shift>}{Enter}{/Shift}second line");
    expect(onSend).not.toHaveBeenCalled();
    expect(box).toHaveValue("first line\nsecond line");
    await userEvent.type(box, "{Enter}");
    expect(onSend).toHaveBeenCalledWith("first line\nsecond line");
    expect(box).toHaveValue("");
  });

  it("does not send blank messages", async () => {
    const { onSend, box } = setup();
    await userEvent.type(box, "   {Enter}");
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
  });

  it("offers Stop instead of Send while an answer streams", async () => {
    const { onSend, onStop, box } = setup(true);
    await userEvent.type(box, "another{Enter}");
    expect(onSend).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: "Stop" }));
    expect(onStop).toHaveBeenCalled();
  });

  it("shows no dictation button where the browser has no speech recognition", () => {
    setup();
    expect(screen.queryByRole("button", { name: "Dictate" })).toBeNull();
  });
});
