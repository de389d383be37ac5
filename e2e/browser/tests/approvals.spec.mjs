// Approvers work their inboxes in the browser: a requester's two SAARs (submitted through the
// API, one with an attachment the supervisor downloads) are approved level by level and rejected with a reason; the provisioner completes the
// approved one; the requester sees it under Current Roles and the rejection in SAAR History.
import fs from 'node:fs';
import { checkPage, expect, PASSWORD, signIn, signOut, test } from './helpers.mjs';

test('approvals inbox, rejection with a reason, provisioning, Current Roles', async ({ page, request }) => {
  // The requester submits two requests through the API.
  const login = await request.post('/api/v1/auth/login', { data: { user_id: 'jrequester', password: PASSWORD } });
  const { access_token: token } = await login.json();
  const auth = { Authorization: `Bearer ${token}` };
  const find = async (q) => (await (await request.get(`/api/v1/roles?q=${encodeURIComponent(q)}`, { headers: auth })).json()).find((r) => r.environment === 'PROD');
  const pop = await find('Web User POP-001');
  const ebs = await find('EBS Inquiry User');
  const submitted = await request.post('/api/v1/saars', {
    headers: auth,
    data: {
      privacy_act_accepted: true,
      role_ids: [pop.id, ebs.id],
      justification: 'Need access to HMMS-POP in order to process hazardous material shipments.',
      request_type: 'initial',
      user_info: { ia_training_date: new Date().toISOString().slice(0, 10) },
    },
  });
  expect(submitted.status()).toBe(201);
  const [popSaar, ebsSaar] = (await submitted.json()).saars;
  const note = 'Shipping lead confirms this access is needed.\n';
  const uploaded = await request.post(`/api/v1/saars/${popSaar.id}/attachments?filename=approval-note.txt`, {
    headers: { ...auth, 'Content-Type': 'application/octet-stream' },
    data: Buffer.from(note),
  });
  expect(uploaded.status()).toBe(201);

  // The supervisor sees the badge, approves one and rejects the other with a reason.
  await signIn(page, 'ssupervisor');
  await expect(page.getByRole('region', { name: 'Needs you' })).toContainText('2 approvals waiting for you');
  await checkPage(page, '09-home-supervisor');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: /Approvals 2 waiting/ })).toBeVisible();
  await nav.getByRole('link', { name: /Approvals/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeFocused();
  await checkPage(page, '10-approvals');
  const popCard = page.getByRole('article', { name: new RegExp(popSaar.number) });
  await expect(popCard).toContainText('Need access to HMMS-POP');
  // The approver opens the attachment.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    popCard.getByRole('button', { name: 'Download approval-note.txt' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('approval-note.txt');
  expect(fs.readFileSync(await download.path(), 'utf8')).toBe(note);
  await popCard.getByRole('button', { name: 'Approve' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText(`${popSaar.number}: approved`);
  const ebsCard = page.getByRole('article', { name: new RegExp(ebsSaar.number) });
  await ebsCard.getByLabel('Reason to reject').selectOption('it_level_insufficient');
  await ebsCard.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByRole('status')).toContainText(`${ebsSaar.number}: rejected`);
  await expect(page.getByText('Nothing waits for your approval.')).toBeVisible();
  await signOut(page);

  // The security officer records the IT level; the data owner and the IAO approve.
  await signIn(page, 'ssecurity');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Approvals/ }).click();
  const soCard = page.getByRole('article', { name: new RegExp(popSaar.number) });
  await soCard.getByLabel('IT level of the user').selectOption('III');
  await checkPage(page, '11-approvals-security-officer');
  await soCard.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toContainText('approved');
  await signOut(page);
  for (const approver of ['ddataowner', 'iiao']) {
    await signIn(page, approver);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Approvals/ }).click();
    await page.getByRole('article', { name: new RegExp(popSaar.number) }).getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByRole('status')).toContainText('approved');
    await signOut(page);
  }

  // The provisioner completes the task.
  await signIn(page, 'pprovisioner');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Provisioning' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Provisioning tasks' })).toBeFocused();
  await checkPage(page, '12-provisioning');
  const task = page.getByRole('article', { name: new RegExp(popSaar.number) });
  await task.getByLabel('Note').fill('HMMS-POP account created');
  await task.getByRole('button', { name: 'Mark done' }).click();
  await expect(page.getByRole('status')).toContainText(`${popSaar.number}: done`);
  await signOut(page);

  // The requester sees the role, and the rejection with its reason.
  await signIn(page, 'jrequester');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My Information' }).click();
  await page.getByRole('tab', { name: 'Applications & Roles' }).click();
  const roles = page.getByRole('table').filter({ hasText: 'Web User POP-001' });
  await expect(roles).toContainText('HMMS-POP');
  await expect(roles).toContainText(popSaar.number);
  await page.getByText(`${ebsSaar.number}: EBS Inquiry User (EBS): rejected`).click();
  await expect(page.getByText('it_level_insufficient')).toBeVisible();
  await checkPage(page, '13-my-roles-and-history');
});
