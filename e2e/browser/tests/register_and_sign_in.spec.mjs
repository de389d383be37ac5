// An external vendor registers, verifies the email through the development mailbox, signs
// in with the keyboard alone, and sees My Information.
import { checkPage, expect, field, signIn, test } from './helpers.mjs';

const userId = `vendor${Date.now() % 100000}`;
const password = 'copper lantern meadow 58';

test('register, verify through the mailbox, sign in, see My Information', async ({ page }) => {
  await page.goto('/register');
  await expect(page.getByRole('heading', { level: 1, name: 'Register for an AMPS account' })).toBeFocused();
  await checkPage(page, '01-register');

  // Submitting an empty form shows the rules next to the fields, without calling the server.
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByRole('alert')).toContainText('Correct the');
  await expect(field(page, 'User ID')).toHaveAttribute('aria-invalid', 'true');
  await checkPage(page, '02-register-errors');

  await field(page, 'User ID').fill(userId);
  await field(page, 'Password').fill(password);
  await field(page, 'Confirm password').fill(password);
  await field(page, 'First name').fill('Valerie');
  await field(page, 'Last name').fill('Shipper');
  await field(page, 'Official email').fill(`${userId}@acme.example`);
  await field(page, 'Phone').fill('+1 703 555 0142');
  await field(page, 'Company').fill('Acme Hazmat Logistics');
  await field(page, 'External Authorizing Official email').fill('erin.authorizer@dla.example');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText(`${userId}@acme.example`);
  await checkPage(page, '03-registered');

  // Signing in before verifying is refused with a clear message.
  await page.goto('/sign-in');
  await field(page, 'User ID').fill(userId);
  await field(page, 'Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Verify your email address');

  await page.goto('/mailbox');
  const message = page.getByRole('article', { name: `AMPS: verify your email address to ${userId}@acme.example` });
  await expect(message).toBeVisible();
  await checkPage(page, '04-mailbox');
  await message.getByRole('link', { name: /Open link: \/verify-email/ }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Verify your email address' })).toBeFocused();
  await checkPage(page, '05-verify');
  await page.getByRole('button', { name: 'Confirm email address' }).click();
  await expect(page.getByRole('status')).toContainText('verified');

  // Sign in with the keyboard alone.
  await page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
  // The notice and consent comes first, read and accepted (OK) by the keyboard.
  const notice = page.locator('#notice-ok');
  await page.removeLocatorHandler(notice);
  const h1 = page.getByRole('heading', { level: 1, name: 'Sign in to AMPS' });
  await expect(h1).toBeFocused();
  await expect(page.getByRole('region', { name: 'Notice and consent' })).toContainText('provided for USG-authorized use only');
  await expect(page.getByRole('region', { name: 'Notice and consent' })).toContainText('Privacy Act Statement');
  await expect(field(page, 'User ID')).toHaveCount(0);
  await checkPage(page, '06-sign-in-notice');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'OK', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(field(page, 'User ID')).toBeFocused();
  await checkPage(page, '06-sign-in');
  await page.addLocatorHandler(notice, async (ok) => { await ok.click(); });
  await page.keyboard.type(userId);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
  await expect(page.getByText('Nothing needs you now.')).toBeVisible();
  await checkPage(page, '07-home');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My Information' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My Information' })).toBeFocused();
  const facts = page.locator('dl.facts').first();
  await expect(facts).toContainText(userId);
  await expect(facts).toContainText('Valerie Shipper');
  await expect(facts).toContainText('Acme Hazmat Logistics');
  await expect(facts).toContainText('External');
  await expect(page.getByRole('banner')).toContainText(`Valerie Shipper (${userId})`);
  await checkPage(page, '08-my-information');

  // Reloading keeps the session (refresh cookie), and an update is saved.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'My Information' })).toBeVisible();
  await field(page, 'Job title').fill('Hazmat shipping lead');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Saved');
  await expect(page.locator('dl.facts').first()).toContainText('Hazmat shipping lead');
  // A new email needs the current password, asked again.
  await field(page, 'Official email').fill(`${userId}.new@acme.example`);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('is required to change your email address', { exact: true })).toBeVisible();
  await field(page, 'Current password').fill(password);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText(`We sent a link to ${userId}.new@acme.example`);
  await expect(field(page, 'Current password')).toHaveValue('');

  // Change password: the new one twice (a mismatch is caught on its field), the current one
  // again; this sign-in goes on.
  const newPassword = 'Tall ships cross the harbor at dawn';
  const pw = page.getByRole('form', { name: 'Change password' });
  await field(pw, 'Your current password').fill(password);
  await field(pw, 'New password').fill(newPassword);
  await field(pw, 'New password again').fill('Tall ships cross the harbor at dusk');
  await pw.getByRole('button', { name: 'Change password' }).click();
  await expect(pw.getByText('must be the same as the new password')).toBeVisible();
  await field(pw, 'New password again').fill(newPassword);
  await checkPage(page, '08b-change-password');
  await pw.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('region', { name: 'Change password' }).getByRole('status')).toContainText('Your password is changed');
  await expect(field(pw, 'Your current password')).toHaveValue('');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to AMPS' })).toBeVisible();
  await page.goto('/me');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to AMPS' })).toBeVisible();
  await signIn(page, userId, newPassword);
});
