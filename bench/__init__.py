"""``make bench``: figures measured side by side against floors, and simulations."""
