// Roles that end and roles that are reviewed: a holder renews a role about to expire from
// Current Roles and the supervisor approves it; an administrator starts a campaign, the holder
// keeps one role and gives up another, the supervisor approves the review, and the campaign
// shows the progress (and My Reports draws it); a supervisor gives access until a set day, and when the server's clock
// has moved past it the role is gone from Current Roles and on its way out of the
// application. Each screen is checked with axe.
import { advanceDays, approveApi, checkPage, completeApi, expect, field, nav, serverDay, signIn, signOut, submitApi, supervisorOnlyRole, test } from './helpers.mjs';

const run = Date.now() % 100000;

async function grantApi(request, role, why) {
  const [s] = await submitApi(request, 'jrequester', [role], why);
  await approveApi(request, 'ssupervisor', s.id);
  await completeApi(request, s.number);
}

test('a role about to expire is renewed from Current Roles', async ({ page, request }) => {
  // A role that lasts 20 days is inside the 30-day renewal window from the start.
  const role = await supervisorOnlyRole(request, `Depot Viewer ${run}`, { default_expiration_days: 20 });
  await grantApi(request, role, 'Need to see depot stock for weekly counts.');

  await signIn(page, 'jrequester');
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Applications & Roles' }).click();
  const roles = page.getByRole('region', { name: 'Current Roles' });
  await expect(roles).toContainText('Renewable from');
  await roles.getByLabel(`Why you still need Depot Viewer ${run}`).fill('Weekly depot counts continue next quarter.');
  await roles.getByRole('button', { name: `Renew Depot Viewer ${run}` }).click();
  await expect(page.getByRole('status').first()).toContainText(`Renewal of Depot Viewer ${run} requested`);
  await checkPage(page, '40-renewal-requested');
  await signOut(page);

  await signIn(page, 'ssupervisor');
  await nav(page, /Approvals/);
  const card = page.getByRole('article', { name: new RegExp(`Depot Viewer ${run}`) });
  await expect(card).toContainText('Weekly depot counts continue next quarter.');
  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status').first()).toContainText('approved');
});

test('a campaign: the holder reviews, the supervisor approves, the administrator follows', async ({ page, request }) => {
  const keep = await supervisorOnlyRole(request, `Stock Reader ${run}`);
  const drop = await supervisorOnlyRole(request, `Stock Writer ${run}`);
  await grantApi(request, keep, 'Need to read stock levels for planning.');
  await grantApi(request, drop, 'Need to correct stock levels after counts.');

  await signIn(page, 'aadmin');
  await nav(page, 'Campaigns');
  await field(page, 'Name').fill(`EBS review ${run}`);
  await page.getByLabel('Who reviews').selectOption('application');
  await page.getByLabel('Application', { exact: true }).selectOption({ label: 'Enterprise Business System (EBS)' });
  const due = new Date(Date.now() + 21 * 86400000).toISOString().slice(0, 10);
  await field(page, 'Last day (YYYY-MM-DD)').fill(due);
  await page.getByRole('button', { name: 'Start campaign' }).click();
  await expect(page.getByRole('status').first()).toContainText(`EBS review ${run} started`);
  await checkPage(page, '41-campaign-started');
  await signOut(page);

  await signIn(page, 'jrequester');
  await page.goto('/revalidation');
  await expect(page.getByRole('heading', { level: 1, name: 'Review your roles' })).toBeFocused();
  // Keep everything but the writer role, which goes with a reason (once the review has loaded).
  await expect(page.getByRole('group', { name: new RegExp(`Stock Writer ${run}`) })).toBeVisible();
  for (const group of await page.getByRole('group').all()) {
    const name = await group.locator('legend').innerText();
    if (name.startsWith(`Stock Writer ${run}`)) {
      await group.getByLabel(/Remove/).check();
      await group.getByLabel(`Why Stock Writer ${run} is no longer needed`).fill('Counts are corrected by the depot now.');
    } else {
      await group.getByLabel(/Keep/).check();
    }
  }
  await checkPage(page, '42-my-review');
  await page.getByRole('button', { name: 'Submit for approval' }).click();
  await expect(page.getByRole('status').first()).toContainText('Submitted');
  await signOut(page);

  await signIn(page, 'ssupervisor');
  await nav(page, /Approvals/);
  const review = page.getByRole('article', { name: 'Review of Jane Requester' });
  await expect(review).toContainText('Counts are corrected by the depot now.');
  // Sam removes the reader role too, which Jane kept.
  await review.getByLabel(`Remove Stock Reader ${run} (EBS PROD)`).check();
  await review.getByLabel(`Why Stock Reader ${run} (EBS PROD) is removed`).fill('Planning moved to the depot team.');
  await checkPage(page, '43-review-to-decide');
  await review.getByRole('button', { name: "Approve Jane Requester's review" }).click();
  await expect(page.getByRole('status').first()).toContainText("Jane Requester's review: approved.");
  await signOut(page);

  await signIn(page, 'aadmin');
  await nav(page, 'Campaigns');
  const card = page.getByRole('article', { name: `EBS review ${run}` });
  await expect(card).toContainText('2 removals pending');
  await expect(card).toContainText('reviewers may still correct');
  await expect(card.getByRole('img', { name: /Progress of/ })).toBeVisible();
  await checkPage(page, '44-campaign-progress');
  await signOut(page);

  // The holder of Reports follows every campaign in My Reports: a chart of its reviews by
  // where they stand, beside the table.
  await signIn(page, 'ddataowner');
  await nav(page, 'My Reports');
  const form = page.getByRole('search', { name: 'Report' });
  await form.getByLabel('Report').selectOption({ label: 'Revalidation progress' });
  await form.getByRole('button', { name: 'Run the report' }).click();
  const table = page.getByRole('table', { name: 'Revalidation progress' });
  await expect(table.getByRole('row', { name: new RegExp(`EBS review ${run} approved 1`) })).toBeVisible();
  const chart = page.getByRole('figure');
  await expect(chart).toContainText('Reviews per campaign and where they stand');
  await expect(chart.locator('li', { hasText: `EBS review ${run}: approved` }).locator('meter')).toHaveAttribute('value', '1');
  await checkPage(page, '45-reports-campaign-progress');
});

// Last: it moves the server's clock forward for every journey after it.
test('access given until a day ends on that day', async ({ page, request }) => {
  const role = await supervisorOnlyRole(request, `Bin Counter ${run}`);
  const [s] = await submitApi(request, 'jrequester', [role], 'Need to count bins at the depot weekly.');
  const last = await serverDay(request, 10);
  // Access ends when that day does: it expires at the start of the next.
  const ends = await serverDay(request, 11);

  await signIn(page, 'ssupervisor');
  await nav(page, /Approvals/);
  const card = page.getByRole('article', { name: new RegExp(`Bin Counter ${run}`) });
  await card.getByLabel('Last day of access (optional)').fill(last);
  await checkPage(page, '45-last-day-of-access');
  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status').first()).toContainText('approved');
  await signOut(page);
  await completeApi(request, s.number);

  await signIn(page, 'jrequester');
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Applications & Roles' }).click();
  const roles = page.getByRole('region', { name: 'Current Roles' });
  await expect(roles).toContainText(`Bin Counter ${run}`);
  await expect(roles).toContainText(ends);
  await signOut(page);

  // Eleven days on (as the server sees it) the deadlines job has ended the role.
  await advanceDays(request, 11);
  await expect.poll(async () => {
    const { messages } = await (await request.get('/api/v1/dev/mailbox')).json();
    return messages.some((m) => m.to.includes('jane.requester@dla.example')
      && m.subject.includes('records that the role expired') && m.body.includes(`Bin Counter ${run}`));
  }, { timeout: 20_000 }).toBe(true);
  await signIn(page, 'jrequester');
  await nav(page, 'My Information');
  await page.getByRole('tab', { name: 'Applications & Roles' }).click();
  await expect(page.getByRole('region', { name: 'Current Roles' })).not.toContainText(`Bin Counter ${run}`);
  await expect(page.getByRole('region', { name: 'Pending Requests' })).toContainText(`The role expired on ${ends}`);
  await checkPage(page, '46-role-expired');
});
