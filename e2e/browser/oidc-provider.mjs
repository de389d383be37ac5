// A real OpenID provider for the network sign-in journeys: panva's oidc-provider (OpenID
// Certified), started on loopback by the test that needs it. Only its sign-in screen is ours: a
// form where the test (or the browser journey) types who signs in; discovery, the authorization
// and token endpoints, PKCE, ID tokens and their signing keys are the library's own.
//
//   node oidc-provider.mjs <port> <client_id> <client_secret> <redirect_uri>
//
// Prints "ready <issuer>" once it listens. The form (GET /interaction/<uid>) takes `email`,
// and the checkboxes `unverified` (the provider does not vouch for the address) and `mfa` (it
// used a second factor: amr ["pwd", "otp"]). The subject is "sub-" + the email, so the same
// person keeps the same subject.
import http from 'node:http';
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
// Whoever started it may stop reading its output; it goes on serving.
process.stdout.on('error', () => {});
const issuer = `http://127.0.0.1:${port}`;
const people = new Map();

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  // `amr` rides with the openid scope, so the ID token says how the person signed in.
  claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['amps-test-provider'] },
  async findAccount(ctx, accountId) {
    const p = people.get(accountId);
    if (!p) return undefined;
    return { accountId, claims: async () => ({ sub: accountId, email: p.email, email_verified: p.verified }) };
  },
});
provider.proxy = false;

const page = (uid) => `<!doctype html><html lang="en"><head><title>Test provider sign-in</title></head><body>
<main><h1>Sign in to your organization</h1>
<form method="post" action="/interaction/${uid}/login">
<label>Email <input name="email" type="email" autocomplete="username"></label>
<label><input name="unverified" type="checkbox"> Address not verified</label>
<label><input name="mfa" type="checkbox"> With a second factor</label>
<button type="submit">Sign in</button>
</form></main></body></html>`;

async function body(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return new URLSearchParams(data);
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const m = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  if (!m) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'consent') {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page(m[1]));
    }
    const form = await body(req);
    const email = form.get('email');
    const accountId = `sub-${email}`;
    people.set(accountId, { email, verified: !form.get('unverified') });
    const amr = form.get('mfa') ? ['pwd', 'otp'] : ['pwd'];
    return provider.interactionFinished(req, res, { login: { accountId, amr } }, { mergeWithLastSubmission: false });
  } catch (e) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(e));
  }
});
server.listen(Number(port), '127.0.0.1', () => console.log(`ready ${issuer}`));
