// Driving the consent page (oauth-front's /consent/[id]) from the out-of-band specs.
import { expect, type Page } from "@playwright/test";

export interface Narrowing {
  /** Recipients to drop, as displayed (e.g. "+1 555-010-0124"). */
  drop?: string[];
  maxMessages?: number;
}

export async function approveOnConsent(page: Page, narrowing: Narrowing): Promise<void> {
  for (const phone of narrowing.drop ?? []) await page.getByLabel(phone).uncheck();
  if (narrowing.maxMessages !== undefined) await page.getByRole("spinbutton").first().fill(String(narrowing.maxMessages));
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText("You can return to your agent")).toBeVisible();
}

export async function denyOnConsent(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Deny" }).click();
  await expect(page.getByText("Denied. The agent was told that you said no.")).toBeVisible();
}
