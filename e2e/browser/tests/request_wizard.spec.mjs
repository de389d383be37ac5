// The Role Request wizard, keyboard first: the external vendor accepts the Privacy Act
// Statement, checks the user information, finds "Web User POP-001", moves it to Selected
// Roles with the keyboard, adds the prerequisite it is offered, writes the seed's
// justification, survives a reload on the Summary, submits, and sees Pending Requests.
import { test, expect } from '@playwright/test';
import { checkPage, field } from './helpers.mjs';

const PASSWORD = 'Demo password for AMPS 2026';
const JUSTIFICATION = 'Need access to HMMS-POP in order to process hazardous material shipments.';

test('request a role through the wizard', async ({ page }) => {
  await page.goto('/sign-in');
  await field(page, 'User ID').fill('vvendor');
  await field(page, 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Request a role' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Privacy Act Statement' })).toBeVisible();
  await checkPage(page, '20-wizard-privacy');
  await page.getByRole('button', { name: 'Accept' }).click();

  const info = page.getByRole('heading', { level: 2, name: 'User Information' });
  await expect(info).toBeFocused();
  await expect(page.getByLabel(/IA \/ cyber-awareness training/)).not.toHaveValue('');
  await checkPage(page, '21-wizard-user-information');
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Select Roles' })).toBeFocused();
  await page.getByLabel('Role name or application').fill('Web User POP-001');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText('1 role found');
  const results = page.getByRole('listbox', { name: 'Search results' });
  await results.focus();
  await page.keyboard.press('Home');
  await expect(results.getByRole('option', { selected: true })).toContainText('Web User POP-001 (HMMS-POP, PROD)');
  await page.getByRole('button', { name: 'Add the highlighted role to Selected Roles' }).click();
  const chosen = page.getByRole('listbox', { name: 'Selected Roles' });
  await expect(chosen.getByRole('option')).toHaveText(['Web User POP-001 (HMMS-POP, PROD)']);
  await expect(page.getByRole('list', { name: 'Prerequisites' })).toContainText('needs EBS Inquiry User');
  await page.getByRole('button', { name: 'Add EBS Inquiry User' }).click();
  await expect(chosen.getByRole('option')).toHaveCount(2);
  await checkPage(page, '22-wizard-select-roles');
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Justification' })).toBeFocused();
  await page.getByLabel(/^Justification/).fill(JUSTIFICATION);
  await checkPage(page, '23-wizard-justification');
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Summary' })).toBeFocused();
  await page.reload();
  await expect(page.getByRole('heading', { level: 2, name: 'Summary' })).toBeVisible();
  await expect(page.locator('dl.facts')).toContainText(JUSTIFICATION);
  await expect(page.locator('dl.facts')).toContainText('EBS Inquiry User');
  await checkPage(page, '24-wizard-summary');
  await page.getByRole('button', { name: 'Submit' }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Request submitted' })).toBeFocused();
  await expect(page.getByRole('status')).toContainText('SAAR-');
  await checkPage(page, '25-wizard-confirmation');
  await page.getByRole('link', { name: /Pending Requests/ }).click();
  await expect(page.getByRole('region', { name: 'Pending Requests' }).getByRole('article')).toHaveCount(2);
});
