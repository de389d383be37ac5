// Shared steps: accessibility checks and screenshots that the test run keeps.
import AxeBuilder from '@axe-core/playwright';
import { expect } from '@playwright/test';
import fs from 'node:fs';

export const shots = `${process.cwd()}/artifacts/screenshots`;
fs.mkdirSync(shots, { recursive: true });

/** Asserts axe-core finds no WCAG 2.1 A/AA violation, and keeps a screenshot. */
export async function checkPage(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary, `axe violations on ${name}`).toEqual([]);
}

/** The form control with exactly this accessible name. */
export function field(page, name) {
  return page.getByRole('textbox', { name, exact: true });
}
