"""Streamlit glue that is not session state: the digit pad and the page-wide screen styles."""
