"""Filing lists (D05-TS, D03-TS, TK1-TS) for the social insurance agency, and its confirmations."""
