"""Cash from agent to organisation to the agency account, and its reconciliation."""
