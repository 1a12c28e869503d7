"""What every function shares: settings, logs, errors, tokens, the Firestore store."""
