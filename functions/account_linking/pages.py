"""The pages a person sees during account linking: sign-in (with cancel) and errors."""

from html import escape

STYLE = """body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
.actions{display:flex;gap:.5rem;margin-top:1.2rem}button{flex:1;padding:.6rem}
.error{color:#b00020}.note{color:#555;font-size:.9rem}"""


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def sign_in(page: str, product: str, email: str = "", error: str = "") -> str:
    """The sign-in page: says the account will be linked to Google; Link or Cancel. ``page``
    is the sealed pending request its form sends back."""
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return _page(
        f"Link {product} with Google",
        f"""
<h1>Link your {escape(product)} account to Google</h1>
<p>Sign in to link your account to Google. Google will be able to see and control the devices
of your account, so you can use them with Google Assistant and the Google Home app.</p>
{problem}
<form method="post">
<input type="hidden" name="request" value="{escape(page)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" value="{escape(email)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<div class="actions">
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
<button type="submit" name="action" value="link">Sign in and link</button>
</div>
</form>
<p class="note">You can unlink at any time in the Google Home app.</p>""",
    )


def error(message: str) -> str:
    return _page(
        "Account linking", f'<h1>Account linking</h1><p class="error">{escape(message)}</p>'
    )
