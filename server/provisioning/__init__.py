"""One-time provisioning codes: a coordinator registers an agent's device without a password."""
