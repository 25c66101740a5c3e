"""One module per grant type; :data:`bastion.oauth.endpoints.token.GRANTS` maps names to them."""
