"""Hosted pages: sign-in, sign-up, consent, device code entry, password reset, email
verification and sign-out. Server-rendered, usable without JavaScript; they talk to services
through the interaction hand-off and never to storage."""
