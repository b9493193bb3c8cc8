"""The participants register and renewals."""
