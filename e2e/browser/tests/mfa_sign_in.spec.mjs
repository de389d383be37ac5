// Two-step sign-in: Erin sets up an authenticator app in My Information (QR code and key),
// confirms it with a code, keeps the recovery codes; sign-in then asks for a code after the
// password; a recovery code works once; she turns it off with her password. Codes are computed
// here as an app computes them (RFC 6238). Keyboard only where a person types; axe on each
// screen.
import { apiAs, checkPage, expect, field, fillEmailedCode, nav, PASSWORD, signIn, signOut, supervisorOnlyRole, test, totpCode, totpConfirmation } from './helpers.mjs';

test('an authenticator app guards sign-in; a recovery code stands in once', async ({ page }) => {
  await signIn(page, 'eeao');
  await nav(page, 'My Information');
  const section = page.getByRole('region', { name: 'Two-step sign-in' });
  await section.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect(section.getByRole('img', { name: 'QR code of your authenticator key' })).toBeVisible();
  // Focus goes on where the next step is typed, not back to the top of the page.
  await expect(section.getByLabel('Code from the app')).toBeFocused();
  const secret = (await section.locator('figcaption code').textContent()).trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await checkPage(page, '61-two-step-setup');
  // Erin's sign-in proved only her password: the first second factor also needs the code
  // mailed to her.
  await fillEmailedCode(page, section);
  await section.getByLabel('Code from the app').fill(await totpCode(page.request, secret));
  await section.getByLabel('Code from the app').press('Enter');
  await expect(section.getByRole('status')).toContainText('Two-step sign-in is on. Every other sign-in of your account has ended.');
  await expect(section.getByRole('heading', { name: 'Your recovery codes' })).toBeFocused();
  const codes = await section.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  expect(codes).toHaveLength(10);
  await expect(section).toContainText('10 recovery code(s) left');
  await checkPage(page, '62-two-step-on');
  await signOut(page);

  // The password alone no longer signs in: the second step asks for the code.
  await page.goto('/sign-in');
  await field(page, 'User ID').fill('eeao');
  await field(page, 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const second = page.getByRole('form', { name: 'Second step' });
  await expect(second).toBeVisible();
  await expect(second.getByLabel('Code')).toBeFocused();
  await checkPage(page, '63-second-step');
  // The code that confirmed the app was spent: the next step's code signs in.
  await second.getByLabel('Code').fill(await totpCode(page.request, secret, 1));
  await second.getByLabel('Code').press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
  // A role marked "MFA required" shows its mark in the wizard.
  await supervisorOnlyRole(page.request, 'Payment Certifier (MFA journey)', { mfa_required: true });
  await nav(page, 'Request a role');
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Role name or application').fill('Payment Certifier (MFA journey)');
  await page.keyboard.press('Enter');
  const found = page.getByRole('listbox', { name: 'Search results' }).getByRole('option');
  await expect(found).toContainText('MFA: two-step sign-in required');
  await checkPage(page, '64-wizard-mfa-role');
  await signOut(page);

  // A recovery code, once.
  await page.goto('/sign-in');
  await field(page, 'User ID').fill('eeao');
  await field(page, 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('form', { name: 'Second step' }).getByLabel('Code').fill(codes[0]);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();

  // Turned off with the password; the other journeys sign Erin in with it alone.
  await nav(page, 'My Information');
  await expect(section).toContainText('9 recovery code(s) left');
  await section.getByLabel('Your password (to turn it off)').fill(PASSWORD);
  await section.getByRole('button', { name: 'Turn off two-step sign-in' }).click();
  await expect(section.getByRole('status')).toContainText('Two-step sign-in is off.');
  await expect(section.getByRole('heading', { name: 'Two-step sign-in' })).toBeFocused();
  await signOut(page);
  await signIn(page, 'eeao');
});

test('the help desk resets a lost authenticator', async ({ page, request }) => {
  // Erin turns two-step sign-in on (through the API, as the journey above does on screen).
  const erin = await apiAs(request, 'eeao');
  const setup = await (await request.post('/api/v1/me/mfa/totp', { headers: erin })).json();
  const confirmed = await request.post('/api/v1/me/mfa/totp/confirm', {
    headers: erin,
    data: await totpConfirmation(request, setup),
  });
  expect(confirmed.status()).toBe(200);
  // She lost her phone and her codes; the help desk resets it with a reason.
  await signIn(page, 'hhelpdesk');
  await nav(page, 'Users');
  await page.getByRole('searchbox', { name: 'User ID, name or email' }).fill('eeao');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Manage eeao' }).click();
  const account = page.getByRole('region', { name: /Account eeao/ });
  await account.getByLabel(/Why reset two-step sign-in/).fill('Erin lost her phone; identity checked by a call back.');
  await account.getByRole('button', { name: 'Reset two-step sign-in of eeao' }).click();
  await expect(page.getByRole('status').first()).toContainText('Two-step sign-in is reset');
  await signOut(page);
  await signIn(page, 'eeao');
});
