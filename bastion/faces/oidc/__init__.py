"""The standard OAuth 2.0 / OpenID Connect face, mounted once per issuer kind."""
