"""Optional sign-in (Streamlit's OpenID Connect: ``st.login``), on when the operator adds an
``[auth]`` table to ``.streamlit/secrets.toml``. Then every visitor signs in first, and a kept
dataset opens only for whoever loaded it, unless they share it (analytics.access.store)."""

from __future__ import annotations

import streamlit as st


def sign_in_on() -> bool:
    """Whether the operator configured sign-in."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all: no sign-in
        return False


def user() -> str | None:
    """Who is signed in, as datasets record their owner: the email when the provider says it
    verified it, else the provider's subject id (an email a user may set is no identity).
    None without sign-in."""
    if not sign_in_on() or not st.user.is_logged_in:
        return None
    email = st.user.get("email")
    if email and st.user.get("email_verified") is True:
        return str(email)
    return str(st.user.get("sub") or "") or None


def shown_user() -> str | None:
    """Who is signed in, in words: the email when there is one."""
    if user() is None:
        return None
    return str(st.user.get("email") or user())


def gate() -> None:
    """With sign-in on, stop the run for a visitor who has not signed in, with a button."""
    if not sign_in_on() or st.user.is_logged_in:
        return
    st.title("Lifecycle Lens")
    st.write(
        "This app holds customer data: sign in to see it. Each dataset you load opens only "
        "for you, unless you share it on the Data page."
    )
    if st.button("Sign in", type="primary", key="sign_in"):
        st.login()
    st.stop()


def sign_out_line() -> None:
    """Who is signed in, and a way out (in the sidebar)."""
    who = shown_user()
    if who is None:
        return
    left, right = st.columns([3, 2])
    left.caption(f"Signed in as {who}")
    if right.button("Sign out", key="sign_out"):
        st.logout()
