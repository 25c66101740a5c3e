// node-oidc-provider configured as the benchmark peer (see bench/README.md):
// production mode, in-memory adapter, one confidential client, JWT access tokens through
// resource indicators (RS256 and ES256), and a cluster of WORKERS processes on one port.
//
// Environment: PORT, WORKERS, CLIENT_ID, CLIENT_SECRET, USER_NAME, USER_PASSWORD. The primary generates the keys once
// and hands them to every worker, so all workers publish and sign with the same JWK Set.
import cluster from 'node:cluster';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import process from 'node:process';

const PORT = Number(process.env.PORT || 3000);
const WORKERS = Number(process.env.WORKERS || 1);
const ISSUER = `http://127.0.0.1:${PORT}`;
const RESOURCES = {
  'https://rs256.bench.example': 'RS256',
  'https://es256.bench.example': 'ES256',
};

function generateJwks() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return {
    keys: [
      { ...rsa, kid: 'rs256', alg: 'RS256', use: 'sig' },
      { ...ec, kid: 'es256', alg: 'ES256', use: 'sig' },
    ],
  };
}

// The peer ships no sign-in pages in production (devInteractions is off), so the refresh
// scenario gets its tokens through this minimal login and consent form: one bench user whose
// password is compared as it is (the peer's password cost is not measured; see bench/README.md).
function interactions(provider) {
  const page = (uid, fields) => `<!doctype html><form method="post" action="/interaction/${uid}">${fields}<button type="submit" name="decision" value="allow">Continue</button></form>`;
  const readForm = async (ctx) => {
    let raw = '';
    for await (const chunk of ctx.req) raw += chunk;
    return new URLSearchParams(raw);
  };
  return async (ctx, next) => {
    const match = /^\/interaction\/([\w-]+)$/.exec(ctx.path);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const { prompt, params } = details;
    if (ctx.method === 'GET') {
      ctx.type = 'html';
      ctx.body = prompt.name === 'login'
        ? page(match[1], '<input name="identifier"><input type="password" name="password">')
        : page(match[1], '');
      return undefined;
    }
    const form = await readForm(ctx);
    let result;
    if (prompt.name === 'login') {
      if (form.get('identifier') !== process.env.USER_NAME || form.get('password') !== process.env.USER_PASSWORD) {
        ctx.status = 403;
        ctx.body = 'bad credentials';
        return undefined;
      }
      result = { login: { accountId: 'bench-user' } };
    } else {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      const { missingOIDCScope, missingResourceScopes } = prompt.details;
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      for (const [resource, scopes] of Object.entries(missingResourceScopes || {})) {
        grant.addResourceScope(resource, scopes.join(' '));
      }
      result = { consent: { grantId: await grant.save() } };
    }
    return provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  };
}

async function serve() {
  const { default: Provider } = await import('oidc-provider');
  const provider = new Provider(ISSUER, {
    clients: [{
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid offline_access api',
    }],
    jwks: JSON.parse(process.env.PEER_JWKS),
    cookies: { keys: [process.env.PEER_COOKIE_KEY] },
    scopes: ['openid', 'offline_access', 'api'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          const alg = RESOURCES[resource];
          if (!alg) throw new Provider.errors.InvalidTarget();
          return { scope: 'api', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
        },
      },
    },
    // Bastion rotates every refresh token it accepts; ask the peer to do the same.
    rotateRefreshToken: true,
  });
  provider.proxy = false;
  provider.use(interactions(provider));
  provider.listen(PORT, '127.0.0.1');
}

if (cluster.isPrimary && WORKERS > 1) {
  process.env.PEER_JWKS = JSON.stringify(generateJwks());
  process.env.PEER_COOKIE_KEY = randomBytes(32).toString('base64url');
  for (let i = 0; i < WORKERS; i += 1) cluster.fork();
  const stop = () => { for (const w of Object.values(cluster.workers)) w.kill(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  if (!process.env.PEER_JWKS) {
    process.env.PEER_JWKS = JSON.stringify(generateJwks());
    process.env.PEER_COOKIE_KEY = randomBytes(32).toString('base64url');
  }
  await serve();
}
