"""Rules on secrets: plain Secrets, SopsSecret, VaultStaticSecret, literal passwords."""
