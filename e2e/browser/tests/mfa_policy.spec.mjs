// Who must use a second factor: an organization that requires it (its users set one up before
// anything else, on a screen that says why), and a decision on a role marked "MFA required",
// which asks for a recent second factor in place (step-up) instead of sending the approver
// away. Codes are computed here as an app computes them (RFC 6238); axe on each screen.
import {
  apiAs, checkPage, expect, field, linkIn, mailTo, nav, PASSWORD, signIn, signOut, supervisorOnlyRole,
  test, totpCode, totpConfirmation, fillEmailedCode, advanceDays, keepKey,
} from './helpers.mjs';

test('an organization that requires two-step sign-in: its users set it up before anything else', async ({ page, request }) => {
  // The administrator adds the organization in the Catalog, requiring a second factor.
  await signIn(page, 'aadmin');
  await nav(page, 'Catalog');
  const orgs = page.getByRole('region', { name: 'Organizations' });
  await orgs.getByText('Add an organization').click();
  await orgs.getByLabel(/^Code/).fill('NAVSUP');
  await orgs.getByLabel('Name', { exact: true }).fill('Naval Supply Systems Command');
  await orgs.getByLabel('Its users must sign in with a second factor', { exact: true }).check();
  await orgs.getByRole('button', { name: 'Add organization' }).click();
  await expect(page.getByRole('status').first()).toContainText('NAVSUP added.');
  const navsup = orgs.getByRole('form', { name: 'Settings of NAVSUP' });
  await expect(navsup.getByLabel(/must sign in with a second factor/)).toBeChecked();
  // Its users keep to PROD roles: saved on its card.
  await navsup.getByLabel(/may request non-PROD/).uncheck();
  await navsup.getByRole('button', { name: 'Save NAVSUP' }).click();
  await expect(page.getByRole('status').first()).toContainText('NAVSUP saved: its users sign in with a second factor.');
  await checkPage(page, '65-organizations');
  await signOut(page);
  const admin = await apiAs(request, 'aadmin');
  const saved = (await (await request.get('/api/v1/organizations', { headers: admin })).json()).find((o) => o.code === 'NAVSUP');
  expect([saved.mfa_required, saved.allows_non_prod]).toEqual([true, false]);
  const created = await request.post('/api/v1/users', {
    headers: admin,
    data: {
      user_id: 'nnavsup', first_name: 'Nora', last_name: 'Navsup', email: 'nora.navsup@navsup.example',
      phone: '+1 717 555 0140', organization: 'NAVSUP', user_type: 'civilian',
    },
  });
  expect(created.status()).toBe(201);
  const invitation = linkIn((await mailTo(request, 'nora.navsup@navsup.example')).body);
  const token = new URL(invitation, 'http://x').searchParams.get('token');
  expect((await request.post('/api/v1/auth/invitation', { data: { token, password: PASSWORD } })).status()).toBe(200);

  // Nora's password is right, and all she is shown is where to set up her second factor.
  await page.goto('/sign-in');
  await field(page, 'User ID').fill('nnavsup');
  await field(page, 'Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  const gate = page.getByRole('heading', { level: 1, name: 'Set up two-step sign-in' });
  await expect(gate).toBeFocused();
  await expect(page.getByRole('main')).toContainText('Naval Supply Systems Command requires its users to sign in with a second factor');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' })).toHaveCount(0);
  await checkPage(page, '66-second-factor-gate');
  // Going on without one is refused, with the reason.
  await page.getByRole('button', { name: 'Continue to AMPS' }).click();
  await expect(page.getByRole('alert')).toContainText('Set up an authenticator app or a security key first.');
  const section = page.getByRole('region', { name: 'Two-step sign-in' });
  await section.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = (await section.locator('figcaption code').textContent()).trim();
  // A password alone does not set up the first second factor: the code mailed to Nora does.
  await expect(section).toContainText('Enter the 6-digit code we emailed to');
  await fillEmailedCode(page, section);
  await section.getByLabel('Code from the app').fill(await totpCode(page.request, secret));
  await section.getByLabel('Code from the app').press('Enter');
  await expect(section.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await page.getByRole('button', { name: 'Continue to AMPS' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
  await nav(page, 'My Information');
  await signOut(page);
});

test('deciding a role marked MFA required asks for a recent second factor in place', async ({ page, request }) => {
  // Sam turns on his authenticator (through the API; the journey above does it on screen).
  const sam = await apiAs(request, 'ssupervisor');
  const setup = await (await request.post('/api/v1/me/mfa/totp', { headers: sam })).json();
  const confirmed = await request.post('/api/v1/me/mfa/totp/confirm', {
    headers: sam, data: await totpConfirmation(request, setup),
  });
  expect(confirmed.status()).toBe(200);
  keepKey('ssupervisor', setup.secret);
  try {
    await stepUpJourney(page, request, setup.secret);
  } finally {
    // Both turn it off again with their password (the other journeys sign them in with it
    // alone), whatever happened above.
    for (const userId of ['ssupervisor', 'jrequester']) {
      const headers = await apiAs(request, userId);
      const mfa = await (await request.get('/api/v1/me/mfa', { headers })).json();
      if (mfa.totp) {
        const off = await request.post('/api/v1/me/mfa/totp/removal', { headers, data: { password: PASSWORD } });
        expect(off.status()).toBe(204);
      }
    }
  }
});

async function stepUpJourney(page, request, samSecret) {
  const role = await supervisorOnlyRole(request, 'Disbursing Officer (step-up journey)', { mfa_required: true });
  // Jane asks from a two-step sign-in of her own.
  const jane = await apiAs(request, 'jrequester');
  const janeKey = await (await request.post('/api/v1/me/mfa/totp', { headers: jane })).json();
  expect((await request.post('/api/v1/me/mfa/totp/confirm', {
    headers: jane, data: await totpConfirmation(request, janeKey),
  })).status()).toBe(200);
  keepKey('jrequester', janeKey.secret);
  const janeAgain = await request.post('/api/v1/auth/refresh');
  const janeHeaders = { Authorization: `Bearer ${(await janeAgain.json()).access_token}` };
  const submitted = await request.post('/api/v1/saars', {
    headers: janeHeaders,
    data: {
      privacy_act_accepted: true, role_ids: [role], justification: 'Certifies disbursements for the depot.',
      request_type: 'initial', user_info: { ia_training_date: new Date().toISOString().slice(0, 10) },
    },
  });
  expect(submitted.status()).toBe(201);
  const number = (await submitted.json()).saars[0].number;

  // Sam signs in with his code in the morning; by the afternoon it is no longer recent.
  await page.goto('/sign-in');
  await field(page, 'User ID').fill('ssupervisor');
  await field(page, 'Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  await advanceDays(page.request, 30 / 86400);
  const second = page.getByRole('form', { name: 'Second step' });
  await second.getByLabel('Code').fill(await totpCode(page.request, samSecret));
  await second.getByLabel('Code').press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeFocused();
  await advanceDays(page.request, 16 / 1440);
  await nav(page, 'Approvals');
  const card = page.getByRole('article').filter({ hasText: number });
  await card.getByRole('button', { name: 'Approve' }).click();
  const confirm = card.getByRole('group', { name: 'Confirm it is you' });
  await expect(confirm.getByRole('heading', { name: 'Confirm it is you' })).toBeFocused();
  await expect(confirm).toContainText('requires a recent second factor to decide');
  await checkPage(page, '67-step-up');
  // A wrong code is announced; the right one approves at once.
  await confirm.getByLabel(/Code from your authenticator app/).fill('000000');
  await confirm.getByLabel(/Code from your authenticator app/).press('Enter');
  await expect(confirm.getByRole('alert')).toContainText('is not right');
  await advanceDays(page.request, 30 / 86400);
  await confirm.getByLabel(/Code from your authenticator app/).fill(await totpCode(page.request, samSecret));
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('status').first()).toContainText(`${number}: approved.`);
  await signOut(page);
}
