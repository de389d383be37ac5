// Account statuses: the help desk finds a person in Users, disables their account with a
// reason; the person's sign-in is refused with that reason and whom to call; the help desk
// enables it again and the history shows both changes. Each screen is checked with axe.
import { test, expect } from '@playwright/test';
import { PASSWORD, checkPage, field, nav, signIn, signOut } from './helpers.mjs';

test('the help desk disables an account with a reason and enables it again', async ({ page }) => {
  const reason = 'Victor asked us to pause his account while he is on leave.';
  await signIn(page, 'hhelpdesk');
  await nav(page, 'Users');
  await page.getByRole('searchbox', { name: 'User ID, name or email' }).fill('vvendor');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Manage vvendor' }).click();
  const account = page.getByRole('region', { name: /Account vvendor/ });
  await expect(account).toContainText('No change of status recorded.');
  await account.getByLabel('New status').selectOption('disabled');
  await account.getByLabel('Reason (the person reads it)').fill(reason);
  await checkPage(page, '50-account-status');
  await account.getByRole('button', { name: 'Change the status of vvendor' }).click();
  await expect(page.getByRole('status').first()).toContainText('vvendor: status changed.');
  await expect(account).toContainText(reason);
  await signOut(page);

  await page.goto('/sign-in');
  await field(page, 'User ID').fill('vvendor');
  await field(page, 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const refusal = page.getByRole('alert');
  await expect(refusal).toContainText('This account is disabled.');
  await expect(refusal).toContainText(reason);
  await expect(refusal).toContainText('the AMPS help desk');
  await checkPage(page, '51-sign-in-refused');

  await signIn(page, 'hhelpdesk');
  await nav(page, 'Users');
  await page.getByRole('searchbox', { name: 'User ID, name or email' }).fill('vvendor');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Manage vvendor' }).click();
  await account.getByLabel('New status').selectOption('active');
  await account.getByLabel('Reason (the person reads it)').fill('Victor is back from leave.');
  await account.getByRole('button', { name: 'Change the status of vvendor' }).click();
  await expect(account).toContainText('disabled → active');
  await signOut(page);
  await signIn(page, 'vvendor');
});
