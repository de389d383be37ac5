// Out of office: Sam (a supervisor) names a deputy for a coming holiday in My Information, is
// told when the dates are the wrong way round, sees the arrangement, and ends it early. The
// period lies a month ahead, so no task moves (the other journeys share this server). axe on
// each state.
import { checkPage, expect, nav, signIn, test } from './helpers.mjs';

/** `YYYY-MM-DD`, `days` from today (UTC). */
function dayFromNow(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

test('a supervisor names a deputy for a holiday and ends the arrangement early', async ({ page }) => {
  await signIn(page, 'ssupervisor');
  await nav(page, 'My Information');
  const section = page.getByRole('region', { name: 'Out of office' });
  await expect(section).toContainText('No deputy is named');
  const form = section.getByRole('form', { name: 'Name a deputy' });
  await form.getByRole('textbox', { name: "Deputy's User ID" }).fill('ssecurity');
  await form.getByLabel('First day away').fill(dayFromNow(37));
  await form.getByLabel('Last day away').fill(dayFromNow(30));
  await form.getByRole('button', { name: 'Name the deputy' }).click();
  await expect(section.getByRole('alert')).toBeVisible();
  await expect(form.getByLabel('Last day away')).toHaveAttribute('aria-invalid', 'true');
  await checkPage(page, '74-out-of-office-error');

  await form.getByLabel('First day away').fill(dayFromNow(30));
  await form.getByLabel('Last day away').fill(dayFromNow(37));
  await form.getByLabel('Last day away').press('Enter');
  await expect(section.getByRole('status')).toContainText(`acts on your approvals from ${dayFromNow(30)} to ${dayFromNow(37)}`);
  await expect(section).toContainText('(ssecurity) acts on your approvals');
  await checkPage(page, '75-out-of-office-set');

  // Back early: ended by keyboard.
  await section.getByRole('button', { name: 'End the deputy arrangement' }).focus();
  await page.keyboard.press('Enter');
  await expect(section.getByRole('status')).toContainText('Your deputy arrangement has ended');
  await expect(section).toContainText('No deputy is named');
});
