// A FIDO2 security key as the second step, in Chromium with its virtual authenticator (CDP
// WebAuthn: a USB key with user verification, as a key with a PIN or fingerprint). Sam adds a
// named key in My Information; sign-in then asks for it after the password; he signs in with
// it, sees the sign-in in his list, removes the key, and the password alone signs in again.
// Runs on the HTTPS server at localhost (WebAuthn needs a host name). Focus on each page's
// heading; axe on each new screen.
import { checkPage, expect, field, fillEmailedCode, nav, PASSWORD, signOut, test } from './helpers.mjs';

const tlsPort = process.env.AMPS_E2E_TLS_PORT || '18443';
test.use({ baseURL: `https://localhost:${tlsPort}`, ignoreHTTPSErrors: true });

async function password(page) {
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to AMPS' })).toBeFocused();
  // The notice and consent first; OK moves focus to the form.
  await page.getByRole('button', { name: 'OK', exact: true }).click();
  await expect(field(page, 'User ID')).toBeFocused();
  await field(page, 'User ID').fill('ssupervisor');
  await field(page, 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('a security key is the second step: added, used, removed', async ({ page }) => {
  // This journey accepts the sign-in notice itself.
  await page.removeLocatorHandler(page.locator('#notice-ok'));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  await password(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
  await nav(page, 'My Information');
  await expect(page.getByRole('heading', { level: 1, name: 'My Information' })).toBeFocused();
  const keys = page.getByRole('region', { name: 'Security keys' });
  await expect(keys).toContainText('No security key is added.');
  await keys.getByLabel('Name of the key').fill('Blue YubiKey');
  await keys.getByRole('button', { name: 'Add a security key' }).click();
  // The first second factor of a password sign-in needs the code mailed to its owner too.
  const finish = keys.getByRole('form', { name: 'Finish adding the security key' });
  await expect(finish.getByLabel('Code we emailed you')).toBeFocused();
  await fillEmailedCode(page, finish);
  await finish.getByRole('button', { name: 'Finish adding the key' }).click();
  await expect(keys.getByRole('status')).toContainText('"Blue YubiKey" is added');
  await expect(keys.getByRole('table', { name: 'Your security keys' })).toContainText('Blue YubiKey');
  await checkPage(page, '73-security-key-added');
  await signOut(page);

  // The password alone no longer signs in: the key does.
  await password(page);
  const step = page.getByRole('group', { name: 'Security key' });
  await expect(step).toBeVisible();
  await checkPage(page, '74-security-key-step');
  await step.getByRole('button', { name: 'Use your security key' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
  await nav(page, 'My Information');
  await expect(page.getByRole('table', { name: 'Your sign-ins' })).toContainText('password + security key');

  // Removed (from a sign-in that used it), the password alone signs in again.
  await keys.getByRole('button', { name: 'Remove Blue YubiKey' }).click();
  await expect(keys.getByRole('status')).toContainText('"Blue YubiKey" is removed.');
  await signOut(page);
  await password(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
});
