// An independent OpenID Connect relying party built on openid-client (a certified RP
// library). The Python test drives the browser; this process speaks OAuth. It prints one JSON
// object per line on stdout and reads callback URLs, one per line, on stdin.
import * as client from 'openid-client';
import readline from 'node:readline';

const settings = JSON.parse(process.argv[2]);
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const next = async () => (await lines.next()).value;
const failure = (err) => ({
  name: err?.name, code: err?.code, error: err?.error ?? err?.cause?.error,
  message: [err?.message, err?.cause?.message].filter(Boolean).join(': '),
});

async function attempt(fn) {
  try {
    await fn();
    return { ok: true };
  } catch (err) {
    return { ok: false, ...failure(err) };
  }
}

async function authorize(config, extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: settings.redirect_uri,
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  say({ step: 'authorize', url: url.href });
  return { callback: new URL(await next()), verifier, state, nonce };
}

const config = await client.discovery(new URL(settings.issuer), settings.client_id, undefined,
  client.None(), { execute: [client.allowInsecureRequests] });

const first = await authorize(config);
const results = {};
// The RP refuses a response whose state is not the one it sent (RFC 9700 §4.7), before
// spending the code.
results.wrongState = await attempt(() => client.authorizationCodeGrant(config, first.callback,
  { pkceCodeVerifier: first.verifier, expectedState: 'not-' + first.state, expectedNonce: first.nonce }));
const tokens = await client.authorizationCodeGrant(config, first.callback, {
  pkceCodeVerifier: first.verifier,
  expectedState: first.state,
  expectedNonce: first.nonce,
  idTokenExpected: true,
});
results.claims = tokens.claims();
results.scope = tokens.scope;
results.tokenType = tokens.token_type;
results.userinfo = await client.fetchUserInfo(config, tokens.access_token, results.claims.sub);

const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
results.refreshed = {
  rotated: refreshed.refresh_token !== tokens.refresh_token,
  sub: refreshed.claims()?.sub,
};
results.refreshReuse = await attempt(() => client.refreshTokenGrant(config, tokens.refresh_token));
results.familyRevoked = await attempt(() => client.refreshTokenGrant(config, refreshed.refresh_token));
// Presenting the spent code again is refused (and revokes whatever it had issued).
results.codeReplay = await attempt(() => client.authorizationCodeGrant(config, first.callback, {
  pkceCodeVerifier: first.verifier, expectedState: first.state, expectedNonce: first.nonce }));

// A second sign-in answered silently from the session; the RP rejects an ID token whose
// nonce is not the one it sent for this request (replay of another response's token).
const second = await authorize(config, { prompt: 'none' });
results.silentIss = second.callback.searchParams.get('iss');
results.wrongNonce = await attempt(() => client.authorizationCodeGrant(config, second.callback, {
  pkceCodeVerifier: second.verifier, expectedState: second.state, expectedNonce: 'not-' + second.nonce }));

results.endSession = client.buildEndSessionUrl(config, {
  id_token_hint: tokens.id_token,
  post_logout_redirect_uri: settings.post_logout_redirect_uri,
  state: 'bye',
}).href;
say({ step: 'done', results });
process.exit(0);
