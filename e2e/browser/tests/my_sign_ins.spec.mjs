// Where you are signed in: Jane signed in on another computer (Firefox on Windows) and forgot
// to sign out there. In My Information she sees both sign-ins (this browser marked), signs the
// other one out by keyboard, and its access token stops working at once. The help desk ends a
// person's stolen sign-in from the Users screen; the person is mailed. axe on the screens.
import { checkPage, expect, mailTo, nav, PASSWORD, signIn, signOut, test } from './helpers.mjs';

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';

test('a person signs out a sign-in they forgot on another computer', async ({ page }) => {
  const other = await page.request.post('/api/v1/auth/login', {
    headers: { 'User-Agent': FIREFOX },
    data: { user_id: 'jrequester', password: PASSWORD },
  });
  expect(other.status()).toBe(200);
  const token = { Authorization: `Bearer ${(await other.json()).access_token}` };
  expect((await page.request.get('/api/v1/me', { headers: token })).status()).toBe(200);

  await signIn(page, 'jrequester');
  await nav(page, 'My Information');
  const section = page.getByRole('region', { name: 'Where you are signed in' });
  const table = section.getByRole('table', { name: 'Your sign-ins' });
  const here = table.getByRole('row').filter({ hasText: 'This browser' });
  await expect(here).toHaveCount(1);
  await expect(here).toContainText('Chrome on Linux');
  await expect(here).toContainText('password');
  const there = table.getByRole('row').filter({ hasText: 'Firefox on Windows' }).first();
  await expect(there).toContainText('127.0.0.1');
  await checkPage(page, '71-sign-ins');

  // By keyboard: focus the row's button and press Enter.
  const button = there.getByRole('button', { name: /^Sign out of Firefox on Windows/ });
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(section.getByRole('status')).toContainText('Signed out of Firefox on Windows.');
  await expect(table.getByRole('row').filter({ hasText: 'Firefox on Windows' }).first()).toContainText('Ended');
  await checkPage(page, '72-sign-ins-after');
  // The other computer's token is refused at once; this browser goes on.
  const refused = await page.request.get('/api/v1/me', { headers: token });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).detail).toContain('This sign-in was ended');
  await nav(page, 'Home');
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
});

test('the help desk ends a sign-in a person reports stolen', async ({ page }) => {
  const stolen = await page.request.post('/api/v1/auth/login', {
    headers: { 'User-Agent': FIREFOX },
    data: { user_id: 'jrequester', password: PASSWORD },
  });
  expect(stolen.status()).toBe(200);
  const token = { Authorization: `Bearer ${(await stolen.json()).access_token}` };
  await signIn(page, 'hhelpdesk');
  await nav(page, 'Users');
  await page.getByRole('searchbox', { name: 'User ID, name or email' }).fill('jrequester');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Manage jrequester' }).click();
  const signIns = page.getByRole('region', { name: 'Sign-ins of jrequester' });
  const row = signIns.getByRole('row').filter({ hasText: 'Firefox on Windows' }).first();
  await row.getByRole('button', { name: /^End the sign-in of jrequester on Firefox on Windows/ }).click();
  await expect(signIns.getByRole('status')).toContainText('Ended the sign-in of jrequester on Firefox on Windows');
  await checkPage(page, '73-help-desk-sign-ins');
  expect((await page.request.get('/api/v1/me', { headers: token })).status()).toBe(401);
  const mail = await mailTo(page.request, 'jane.requester@dla.example', /one of your sign-ins was ended/);
  expect(mail.body).toContain('hhelpdesk');
  await signOut(page);
});
