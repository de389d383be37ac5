// PIV/CAC sign-in against a server that terminates HTTPS itself, with Chromium presenting Jane
// Requester's card certificate (made by pki.sh) to the certificate sign-in address only. Jane
// turns on two-step sign-in, binds her card from My Information (the browser goes to the
// certificate address and comes back), signs in with the card alone, sees the sign-in in her
// list; the help desk sees the card in her account; she removes it, and the card then signs
// nobody in. axe on each new screen; focus on
// each page's heading.
import { checkPage, expect, field, fillEmailedCode, nav, PASSWORD, signOut, test, totpCode } from './helpers.mjs';

const tlsPort = process.env.AMPS_E2E_TLS_PORT || '18443';
const certOrigin = `https://localhost:${Number(tlsPort) + 1}`;
const pki = `${process.cwd()}/artifacts/pki`;

test.use({
  baseURL: `https://localhost:${tlsPort}`,
  ignoreHTTPSErrors: true,
  clientCertificates: [{ origin: certOrigin, certPath: `${pki}/card.pem`, keyPath: `${pki}/card.key` }],
});

async function withPassword(page, code) {
  await page.goto('/sign-in');
  await field(page, 'User ID').fill('jrequester');
  await field(page, 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  if (code) {
    const second = page.getByRole('form', { name: 'Second step' });
    await second.getByLabel('Code').fill(code);
    await second.getByLabel('Code').press('Enter');
  }
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
}

test('Jane binds her CAC and signs in with it; removed, it signs nobody in', async ({ page }) => {
  await withPassword(page);
  await nav(page, 'My Information');
  const cards = page.getByRole('region', { name: 'PIV/CAC card' });
  await expect(cards).toContainText('No card is bound to your account.');
  // A password alone cannot bind a card.
  await cards.getByRole('button', { name: 'Bind my PIV/CAC card' }).click();
  await expect(cards.getByRole('alert')).toContainText('second factor');

  // Two-step sign-in first, as the authenticator journey does it.
  const two = page.getByRole('region', { name: 'Two-step sign-in' });
  await two.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = (await two.locator('figcaption code').textContent()).trim();
  await fillEmailedCode(page, two);
  await two.getByLabel('Code from the app').fill(await totpCode(page.request, secret));
  await two.getByLabel('Code from the app').press('Enter');
  await expect(two.getByRole('status')).toContainText('Two-step sign-in is on.');
  await signOut(page);
  await withPassword(page, await totpCode(page.request, secret, 1));

  // Binding: to the certificate address, which asks for the card, and back.
  await nav(page, 'My Information');
  await cards.getByRole('button', { name: 'Bind my PIV/CAC card' }).click();
  await expect(page).toHaveURL(/\/me#certificate=bound$/);
  await expect(cards.getByRole('status')).toContainText('Your card is bound');
  await expect(cards.getByRole('table', { name: 'Cards that sign you in' })).toContainText('REQUESTER.JANE.Q.1234567890');
  await checkPage(page, '70-card-bound');
  await signOut(page);

  // The card alone signs her in.
  await expect(page.getByRole('button', { name: 'Sign in with PIV/CAC' })).toBeVisible();
  await checkPage(page, '71-sign-in-with-card');
  await page.getByRole('button', { name: 'Sign in with PIV/CAC' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
  await expect(page).toHaveURL(/\/$/);
  await nav(page, 'My Information');
  await expect(page.getByRole('table', { name: 'Your sign-ins' })).toContainText('PIV/CAC card');
  await signOut(page);

  // The help desk sees Jane's card in her account (and could remove a lost one).
  await page.goto('/sign-in');
  await field(page, 'User ID').fill('hhelpdesk');
  await field(page, 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
  await nav(page, 'Users');
  await page.getByRole('searchbox', { name: 'User ID, name or email' }).fill('jrequester');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Manage jrequester' }).click();
  const hers = page.getByRole('region', { name: 'PIV/CAC cards of jrequester' });
  await expect(hers.getByRole('table', { name: 'Cards that sign jrequester in' })).toContainText('REQUESTER.JANE.Q.1234567890');
  await checkPage(page, '75-help-desk-cards');
  await signOut(page);
  await page.getByRole('button', { name: 'Sign in with PIV/CAC' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
  await nav(page, 'My Information');

  // Removed, the card signs nobody in, and the page says what to do.
  await cards.getByRole('button', { name: /^Remove / }).click();
  await expect(cards.getByRole('status')).toContainText('no longer signs you in');
  await signOut(page);
  await page.getByRole('button', { name: 'Sign in with PIV/CAC' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in with PIV/CAC' })).toBeFocused();
  await expect(page.getByRole('alert')).toContainText('not bound to an AMPS account');
  await checkPage(page, '72-card-not-bound');
});
