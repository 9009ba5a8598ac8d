"""The Data page's card on what the server keeps of the active dataset: who may open its
link, sharing it with everyone signed in, and forgetting it."""

from __future__ import annotations

import streamlit as st

from analytics.access import store
from ui import auth, session


def panel(dataset: session.Dataset) -> None:
    """Where the active dataset is kept, who may open it, and the Forget button."""
    notice = st.session_state.get("not_kept")
    if notice:
        st.warning(notice, icon=":material/save:")
    source = dataset.source
    kept_on_disk = store.default_store()
    if source.label == session.DEMO or kept_on_disk is None:
        return
    meta = kept_on_disk.meta(source.key)  # read once: owner, sharing
    if meta is None:
        return
    who = auth.user()
    owner, shared = meta.get("owner"), bool(meta.get("shared"))
    days = kept_on_disk.keep_days
    until = f"for {days:g} days" if days else "until the server's space runs short"
    with st.container(border=True):
        if owner:
            opens = ("you" if owner == who else owner) + (
                " and everyone signed in to this app" if shared else " only"
            )
            st.caption(
                f"Kept on this server {until} (the clean orders, not your file), so a reload "
                f"or the link reopens it. The link opens for {opens}."
            )
        else:
            st.caption(
                f"Kept on this server {until} (the clean orders, not your file), so a reload "
                "or the link reopens it. Anyone who has the link can open it: it holds a "
                "128-bit key that cannot be guessed."
            )
        if owner and owner == who:
            wanted = st.toggle(
                "Share with everyone signed in to this app",
                value=shared,
                key=f"share_{source.key}",
            )
            if wanted != shared:
                kept_on_disk.share(source.key, wanted)
                st.rerun()
        if store.may_change(meta, who):
            _forget_button(dataset)


def _forget_button(dataset: session.Dataset) -> None:
    source = dataset.source
    if not st.session_state.get("confirm_forget"):
        if st.button("Forget this dataset…", key="forget", icon=":material/delete:"):
            st.session_state["confirm_forget"] = True
            st.rerun()
        return
    st.warning(
        f"Remove {dataset.name} from this server? Its link will stop "
        "working for everyone; your own file is not touched.",
        icon=":material/delete:",
    )
    yes, no = st.columns([1, 4])
    if yes.button("Yes, forget it", key="forget_yes", type="primary"):
        st.session_state.pop("confirm_forget", None)
        session.forget(source)
        st.session_state["forgotten"] = dataset.name
        st.rerun()
    if no.button("Cancel", key="forget_no"):
        st.session_state.pop("confirm_forget", None)
        st.rerun()
