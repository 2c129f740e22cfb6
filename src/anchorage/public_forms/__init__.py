"""What every public (no-login) form shares: abuse protection, confirmation tokens and the mail outbox."""
